import Foundation
import Testing
import TestSupport

/// The browser client (`Clients/realtime_browser_client.py`, through `scripts/dashboard/headless_page.py`)
/// runs until it is killed; its Chromium runs in a session of its own. Killed with SIGTERM or
/// SIGKILL, the client leaves no browser process behind.
@Suite("Browser client cleanup")
struct BrowserClientCleanupTests {
    /// Process ids in `/proc` whose field `index` of `stat` (after the command) is `value`: 1 is
    /// the parent, 3 the session.
    static func processes(withStatField index: Int, equalTo value: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > index && Int32(fields[index]) == value ? pid : nil
        }
    }

    @Test(arguments: [SIGTERM, SIGKILL])
    func aKilledClientLeavesNoBrowser(signal: Int32) async throws {
        _ = try HeadlessChromium.executable()
        let client = try ChildProcess(try TestEnvironment.require(TestEnvironment.python),
                                      ["-u", RealtimeTestClient.clients.appendingPathComponent("realtime_browser_client.py").path,
                                       "http://127.0.0.1:9/", "{}"], label: "client-chromium")
        var browser: Int32?
        let started = await eventually(timeout: 30, interval: 0.1) {
            browser = Self.processes(withStatField: 1, equalTo: client.process.processIdentifier).first
            // Its own session, with the renderers and helpers it started.
            return browser.map { Self.processes(withStatField: 3, equalTo: $0).count > 1 } ?? false
        }
        try #require(started, "no browser started; client output:\n\(client.output.suffix(2000))")
        let session = try #require(browser)
        client.stop(signal: signal, timeout: 10)
        let gone = await eventually(timeout: 15, interval: 0.1) { Self.processes(withStatField: 3, equalTo: session).isEmpty }
        #expect(gone, "still running in the browser's session: \(Self.processes(withStatField: 3, equalTo: session))")
    }
}
