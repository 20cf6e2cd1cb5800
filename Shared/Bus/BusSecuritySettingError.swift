/// A bus security setting a subscriber cannot start with: the variable and what is wrong.
public struct BusSecuritySettingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The environment variable.
    public let setting: String
    /// What is wrong with its value.
    public let problem: String

    public init(_ setting: String, _ problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "invalid \(setting): \(problem)" }
}
