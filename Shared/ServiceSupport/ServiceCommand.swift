import Foundation

/// A service executable's command line: its settings (``SettingTable``) from the environment,
/// then from flags (which win), over the defaults, validated before anything starts.
public protocol ServiceCommand {
    associatedtype Configuration
    /// The executable's name, prefixed to its error messages.
    static var processName: String { get }
    /// One line on what the executable does, for `--help`.
    static var abstract: String { get }
    /// Extra lines for `--help` after the settings (may be empty).
    static var discussion: String { get }
    /// The configuration before any setting is read.
    static var defaults: Configuration { get }
    /// Every setting, once.
    static var settings: SettingTable<Configuration> { get }
    /// Checks the whole configuration (values and how they go together).
    static func validate(_ configuration: Configuration) throws(ConfigurationError)
}

extension ServiceCommand {
    public static var discussion: String { "" }

    /// The configuration `environment` gives over the defaults, not validated.
    public static func read(environment: [String: String]) throws(ConfigurationError) -> Configuration {
        var configuration = defaults
        try settings.apply(environment: environment, to: &configuration)
        return configuration
    }

    /// The configuration `environment` and `arguments` give over the defaults, validated.
    public static func resolve(arguments: [String] = [], environment: [String: String]) throws(ConfigurationError) -> Configuration {
        var configuration = try read(environment: environment)
        try settings.apply(arguments: arguments, to: &configuration)
        try validate(configuration)
        return configuration
    }

    /// The `--help` text.
    public static var helpMessage: String {
        """
        \(processName): \(abstract)

        Usage: \(processName) [--flag value ...]

        Every setting is an environment variable and a flag; a flag wins over its variable. Bad \
        configuration exits with status 2.

        Settings:
        \(settings.help(defaults: defaults))
        \(discussion.isEmpty ? "" : "\n" + discussion + "\n")
        """
    }

    /// Reads the process's arguments and environment; prints `--help` (exit 0), the docs'
    /// settings table (`--settings-markdown`, exit 0) or a clear error naming the setting (exit 2).
    public static func configuration(arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                                     environment: [String: String] = ProcessInfo.processInfo.environment) -> Configuration {
        if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
            print(helpMessage)
            Foundation.exit(0)
        }
        if arguments == ["--settings-markdown"] {
            print(settings.markdown(defaults: defaults))
            Foundation.exit(0)
        }
        do {
            return try resolve(arguments: arguments, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("\(processName): \(error)\n".utf8))
            Foundation.exit(2)
        }
    }
}
