import Foundation
import TestSupport

/// A Socket.IO client process (python-socketio 5.x or 4.6.1, or the official JS client under
/// node) that prints every event it receives as a JSON line (see `Clients/`).
final class RealtimeTestClient: @unchecked Sendable {
    enum Kind: String, CaseIterable, Sendable {
        case python5, python4, javascript
        /// The official JS client in headless Chromium; realtimed must serve `Clients/browser`
        /// as its `DASHBOARD_DIR` (``browserEnvironment``) and the URL is realtimed's root.
        case chromium
    }

    /// What realtimed needs to serve the `chromium` client's page and the JS client.
    static var browserEnvironment: [String: String] {
        ["DASHBOARD_DIR": clients.appendingPathComponent("browser").path, "SOCKET_IO_CLIENT_JS": DashboardCheck.socketIOClientPath]
    }

    /// One line the client printed.
    struct Observation: @unchecked Sendable {
        let event: String
        let args: [Any]
        let raw: [String: Any]
        /// The first argument (the payload; a recovery offset may follow it).
        var payload: Any? { args.first }
    }

    let kind: Kind
    let process: ChildProcess

    static let clients = TestEnvironment.packageRoot.appendingPathComponent("Tests/RealtimeServiceTests/Clients")

    static func socketIOJS() throws -> String {
        let candidates: [String?] = [ProcessInfo.processInfo.environment["SOCKET_IO_JS"],
                                     TestEnvironment.packageRoot.appendingPathComponent(".venv/socket.io.min.js").path]
        guard let path = candidates.compactMap({ $0 }).first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw RealtimeTestError("socket.io.min.js not found: set SOCKET_IO_JS (scripts/env) or run scripts/setup-env")
        }
        return path
    }

    static func node() throws -> String {
        if let path = ProcessInfo.processInfo.environment["NODE"] { return try TestEnvironment.require(path) }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = "\(directory)/node"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw RealtimeTestError("node not found on PATH (or set NODE); the JS client test needs node >= 20")
    }

    /// Starts a client on `url`, recording `events` (python 4.x needs names), then running
    /// `actions`; `auth` is the CONNECT auth payload (python-socketio 5 and the JS client; 4.x
    /// has none: put the token in the URL).
    init(_ kind: Kind, url: String, events: [String], actions: [[String: Any]] = [], auth: [String: Any]? = nil) throws {
        self.kind = kind
        let actionsText = String(decoding: try JSONSerialization.data(withJSONObject: actions), as: UTF8.self)
        var environment: [String: String] = [:]
        if let auth { environment["SIO_AUTH"] = String(decoding: try JSONSerialization.data(withJSONObject: auth), as: UTF8.self) }
        switch kind {
        case .python5, .python4:
            let python = try TestEnvironment.require(kind == .python5 ? TestEnvironment.python : TestEnvironment.pythonEIO3)
            process = try ChildProcess(python, ["-u", Self.clients.appendingPathComponent("realtime_client.py").path, url,
                                                events.joined(separator: ","), actionsText],
                                         environment: environment, label: "client-\(kind)")
        case .chromium:
            _ = try HeadlessChromium.executable()
            var config: [String: Any] = ["actions": actions]
            if let auth { config["auth"] = auth }
            let configText = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
            process = try ChildProcess(try TestEnvironment.require(TestEnvironment.python),
                                       ["-u", Self.clients.appendingPathComponent("realtime_browser_client.py").path, url + "/", configText],
                                       label: "client-chromium")
        case .javascript:
            process = try ChildProcess(try Self.node(), ["--experimental-websocket",
                                                         Self.clients.appendingPathComponent("realtime_js_client.js").path,
                                                         try Self.socketIOJS(), url, actionsText],
                                         environment: environment, label: "client-js")
        }
    }

    deinit { process.stop(signal: SIGKILL, timeout: 2) }

    /// Everything observed so far, in order.
    var observations: [Observation] {
        process.output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let event = object["event"] as? String else { return nil }
            return Observation(event: event, args: object["args"] as? [Any] ?? [], raw: object)
        }
    }

    /// A record event's payload as an object: live Price Wars events carry it as a JSON string
    /// (as the original proxy's `json.dumps`), the others as an object.
    static func record(_ payload: Any?) -> [String: Any]? {
        if let text = payload as? String {
            return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
        }
        return payload as? [String: Any]
    }

    /// Payloads of `event`, in order.
    func payloads(_ event: String) -> [Any] {
        observations.filter { $0.event == event }.compactMap(\.payload)
    }

    /// Waits until `condition` holds for the observations; throws with the client's output if not.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 15, _ condition: @escaping ([Observation]) -> Bool) async throws -> [Observation] {
        var last: [Observation] = []
        let held = await eventually(timeout: timeout, interval: 0.05) {
            last = observations
            return condition(last)
        }
        if !held { throw RealtimeTestError("\(kind) client: \(what) did not happen; output:\n\(process.output.suffix(4000))") }
        return last
    }

    func waitUntilConnected() async throws {
        try await waitFor("connect") { $0.contains { $0.event == "$connected" } }
    }
}
