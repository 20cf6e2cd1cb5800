import Foundation
import Testing

/// A child process started by a test (a broker, a reference client), killed when released.
///
/// Output goes to a log file under the temporary directory so a failing test can show it. A child
/// found dead of a crash signal (abort, segmentation fault, illegal instruction, bus error,
/// arithmetic error, trap) when it is stopped or released fails the running test, whatever the test
/// itself checks: a service that crashes while stopping must not go unnoticed.
public final class ChildProcess: @unchecked Sendable {
    public let process: Process
    /// Where stdout and stderr are written.
    public let logURL: URL

    /// The Swift runtime's crash report for children: all threads, symbolicated, no registers
    /// or image list (those fill a test's failure message without saying where it crashed).
    public static let compactBacktrace = "enable=yes,threads=all,registers=none,images=none,sanitize=no"

    /// Starts `executable` with `arguments` and extra `environment` variables.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                currentDirectory: URL? = nil, label: String = "child") throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        // A Swift child that crashes prints every thread's stack, without registers and images,
        // so the end of its log (what a failing test shows) names where it crashed.
        env["SWIFT_BACKTRACE"] = env["SWIFT_BACKTRACE"] ?? Self.compactBacktrace
        env.merge(environment) { _, new in new }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let logURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try Self.withNoSignalBlocked { try process.run() }
        self.process = process
        self.logURL = logURL
    }

    /// Runs `body` (a spawn) with no signal blocked on the calling thread, so the child starts
    /// with none blocked either. A child inherits its spawner's signal mask, and Swift's pool
    /// threads block SIGTERM, SIGINT and most others: a Python client or a broker started from a
    /// test then ignored SIGTERM until ``stop(signal:timeout:)`` gave up and sent SIGKILL.
    private static func withNoSignalBlocked<T>(_ body: () throws -> T) rethrows -> T {
        var none = sigset_t()
        var saved = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
        return try body()
    }

    /// Everything the process wrote so far.
    public var output: String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    /// Whether the process is still running.
    public var isRunning: Bool { process.isRunning }

    /// Sends `signal` (e.g. `SIGSTOP`, `SIGCONT`) without waiting.
    public func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// Sends SIGTERM (or `signal`) and waits up to `timeout` seconds, then SIGKILL.
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: Double = 5) -> Int32 {
        guard process.isRunning else {
            reportCrash()
            return process.terminationStatus
        }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        reportCrash()
        return process.terminationStatus
    }

    /// Signals that mean the process crashed rather than was stopped.
    static let crashSignals: Set<Int32> = [SIGABRT, SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGTRAP]

    /// Whether the process ended by a crash signal.
    public var crashed: Bool {
        !process.isRunning && process.terminationReason == .uncaughtSignal && Self.crashSignals.contains(process.terminationStatus)
    }

    private var crashReported = false

    /// Records a test issue, once, when the process ended by a crash signal.
    private func reportCrash() {
        guard crashed, !crashReported else { return }
        crashReported = true
        Issue.record("\(logURL.lastPathComponent) crashed (signal \(process.terminationStatus)); its log ends:\n\(output.suffix(3000))")
    }

    /// Waits for the process to exit by itself, up to `timeout` seconds; nil if it did not.
    public func waitForExit(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit { stop(signal: SIGKILL, timeout: 1) }
}
