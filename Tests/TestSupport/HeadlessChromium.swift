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

    /// Loads `url` in a fresh headless browser, waits `milliseconds`, and writes a PNG of the
    /// window to `path`; true when the file was written. Used to record what a test's page showed
    /// (`SCREENSHOT_DIR`).
    @discardableResult
    public static func screenshot(url: String, to path: String, milliseconds: Int = 5000) throws -> Bool {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let browser = try ChildProcess(try executable(), [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--window-size=900,640", "--timeout=\(milliseconds)", "--screenshot=\(path)",
            "--user-data-dir=\(profile.path)", url,
        ], label: "chromium-screenshot")
        if browser.waitForExit(timeout: Double(milliseconds) / 1000 + 30) == nil { _ = browser.stop(signal: SIGKILL, timeout: 2) }
        return FileManager.default.fileExists(atPath: path)
    }

    /// The end of the browser's log, for failure messages.
    public var logTail: String { String(process.output.suffix(3000)) }

    /// Kills the browser and removes its profile.
    public func stop() {
        process.stop(signal: SIGKILL, timeout: 2)
        try? FileManager.default.removeItem(at: profile)
    }
}
