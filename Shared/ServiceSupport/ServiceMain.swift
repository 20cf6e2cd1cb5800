import Foundation

/// The entry point every process shares: runs the process's application and, when it fails to
/// start or stops with an error (a port in use, an unusable bus endpoint, a broker that refuses
/// it), says so on standard error as `<name>: <error>` and exits with status 1, instead of
/// crashing with a backtrace.
public enum ServiceMain {
    /// Runs `application`; returns when it ends normally, exits with status 1 when it throws.
    public static func run(_ name: String, _ application: () async throws -> Void) async {
        do {
            try await application()
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            exit(1)
        }
    }
}
