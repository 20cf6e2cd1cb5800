import ArgumentParser
import Foundation

/// A service executable's command line: its flags over the environment, resolved into a
/// validated configuration before anything starts.
public protocol ServiceCommand: ParsableCommand {
    associatedtype Configuration
    /// The executable's name, prefixed to its error messages.
    static var processName: String { get }
    /// The configuration: defaults, then the environment, then the flags; validated.
    func resolve(environment: [String: String]) throws(ConfigurationError) -> Configuration
}

extension ServiceCommand {
    /// Parses `arguments` and the environment; prints help (exit 0) or a clear error naming the
    /// setting (exit 2).
    public static func configuration(arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                                     environment: [String: String] = ProcessInfo.processInfo.environment) -> Configuration {
        do {
            let command = try parseAsRoot(arguments)
            guard let command = command as? Self else {
                // --help, --version and the like.
                print(helpMessage())
                Foundation.exit(0)
            }
            return try command.resolve(environment: environment)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(processName): \(error)\n".utf8))
            Foundation.exit(2)
        } catch {
            if exitCode(for: error) == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data("\(processName): \(fullMessage(for: error))\n".utf8))
            Foundation.exit(2)
        }
    }
}
