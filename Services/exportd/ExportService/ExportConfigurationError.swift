/// A configuration value that exportd cannot start with.
public struct ExportConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The setting, as its environment variable name (or flag).
    public var setting: String
    /// What is wrong with it.
    public var problem: String

    public init(_ setting: String, _ problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "invalid \(setting): \(problem)" }
}
