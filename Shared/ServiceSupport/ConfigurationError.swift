/// A configuration value a service cannot start with: the setting (its environment variable
/// name or flag) and what is wrong with it. Services exit with status 2 and print it.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
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
