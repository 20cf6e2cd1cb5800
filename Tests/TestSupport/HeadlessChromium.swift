import Foundation

/// Headless Chromium (Debian's `chromium`, installed by `scripts/setup-env`) showing one page,
/// with a throwaway profile. `stop()` kills it and removes the profile.
public final class HeadlessChromium: @unchecked Sendable {
    /// The browser process (its output is the browser's log).
    public let process: ChildProcess
    private let profile: URL

    /// The Chromium executable; throws `TestEnvironmentError.missingTool` without one.
    public static func executable() throws -> String {
        for candidate in ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestEnvironmentError.missingTool("chromium (apt-get install chromium; scripts/setup-env installs it)")
    }

    /// Starts the browser on `url`.
    public init(url: String) throws {
        let executable = try Self.executable()
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        process = try ChildProcess(executable, [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
            "--user-data-dir=\(profile.path)", url,
        ], label: "chromium")
    }

    /// The end of the browser's log, for failure messages.
    public var logTail: String { String(process.output.suffix(3000)) }

    /// Kills the browser and removes its profile.
    public func stop() {
        process.stop(signal: SIGKILL, timeout: 2)
        try? FileManager.default.removeItem(at: profile)
    }
}
