import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import SocketIO
import Testing
import TestSupport

/// The dashboard (`Services/realtimed/Dashboard`) in headless Chromium, driven by
/// `scripts/check-dashboard`, against the package's own Socket.IO server sending realtimed's
/// documented events: the page must show live values, rates and a chart; without live events
/// the check must fail.
@Suite("Dashboard page in headless Chromium", .serialized, .timeLimit(.minutes(3)))
struct DashboardPageTests {
    static let dashboard = TestEnvironment.packageRoot.appendingPathComponent("Services/realtimed/Dashboard")

    static func socketIOClient() throws -> Data {
        let path = ProcessInfo.processInfo.environment["SOCKET_IO_JS"]
            ?? TestEnvironment.packageRoot.appendingPathComponent(".venv/socket.io.min.js").path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TestEnvironmentError.missingTool("\(path) (the socket.io JS client; scripts/setup-env fetches it)")
        }
        return data
    }

    /// Serves the dashboard's files and the Socket.IO client like realtimed does.
    static func fallback(client: Data) -> EngineHTTPFallback {
        { request in
            let path = request.path.split(separator: "?").first.map(String.init) ?? "/"
            let files = ["/": ("index.html", "text/html; charset=utf-8"), "/app.js": ("app.js", "text/javascript"),
                         "/app.css": ("app.css", "text/css")]
            if path == "/socket.io.min.js" {
                return EngineHTTPResponse(status: .ok, headers: ["Content-Type": "text/javascript"], body: ByteBuffer(bytes: client))
            }
            guard let (name, type) = files[path],
                  let data = FileManager.default.contents(atPath: dashboard.appendingPathComponent(name).path) else {
                return EngineHTTPResponse(status: .notFound, text: "not found")
            }
            return EngineHTTPResponse(status: .ok, headers: ["Content-Type": type], body: ByteBuffer(bytes: data))
        }
    }

    static func sensorMessage(_ time: Double, _ index: Int) -> JSONValue {
        ["topic": "stcs.weather", "timestamp": .double(time),
         "data": ["irradiance": .int(Int64(400 + index % 50)), "outside_temp": .double(12.5 + Double(index % 7) / 10)]]
    }

    static func buyOffer(_ time: Double, _ index: Int) -> JSONValue {
        ["topic": "buyOffer", "timestamp": .int(Int64(time * 1000)),
         "value": ["amount": 1, "http_code": 200, "price": .double(30 + Double(index % 9)), "merchant_id": "p6ASDWlh"]]
    }

    /// Runs a Socket.IO server that greets each client as realtimed does and, with `live`, sends a
    /// sensor record and a Price Wars record every 100 ms; `body` gets the port.
    static func withServer(live: Bool, _ body: @Sendable (Int) async throws -> Void) async throws {
        let client = try socketIOClient()
        var logger = Logger(label: "dashboard-test")
        logger.logLevel = .warning
        let io = SocketIOServer(logger: logger)
        io.main.onConnection { socket in
            let now = Date().timeIntervalSince1970
            socket.emit("sensor_values_cache", sensorMessage(now, 0))
            socket.emit("buyOffer", .array((0..<5).map { buyOffer(now - 5 + Double($0), $0) }))
            _ = io.emit("connected_clients", 1)
        }
        let endpoint = try EngineIOEndpoint(configuration: EngineIOConfiguration(path: "/socket.io/"), delegate: io, logger: logger)
        let engine = EngineIOServer(host: "127.0.0.1", port: 0, endpoints: [endpoint], fallback: fallback(client: client), logger: logger)
        let group = ServiceGroup(services: [engine, io], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            if live {
                tasks.addTask {
                    var index = 0
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(100))
                        let now = Date().timeIntervalSince1970
                        _ = io.emit("sensor_values", sensorMessage(now, index))
                        _ = io.emit("buyOffer", buyOffer(now, index))
                        index += 1
                    }
                }
            }
            do {
                try await body(try await engine.boundPort)
            } catch {
                tasks.cancelAll()
                await group.triggerGracefulShutdown()
                throw error
            }
            tasks.cancelAll()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    /// Runs scripts/check-dashboard to its end; returns its exit status and output.
    static func checkDashboard(_ arguments: [String]) async throws -> (Int32, String) {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/dashboard/check_dashboard.py").path
        let child = try ChildProcess(try TestEnvironment.require(TestEnvironment.python), [script] + arguments, label: "check-dashboard")
        let deadline = ContinuousClock.now + .seconds(120)
        while child.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let status = try #require(child.waitForExit(timeout: 0), "check-dashboard did not finish:\n\(child.output)")
        return (status, child.output)
    }

    @Test("live values, rates and the chart appear; check-dashboard exits 0")
    func liveValuesArrive() async throws {
        try await Self.withServer(live: true) { port in
            let (status, output) = try await Self.checkDashboard([
                "http://127.0.0.1:\(port)/", "--timeout", "60", "--min-count", "5",
                "--topic", "stcs.weather", "--topic", "buyOffer", "--require-chart",
            ])
            #expect(status == 0, "\(output)")
            #expect(output.contains("connected_clients=1"), "\(output)")
            #expect(output.contains("stcs.weather"), "\(output)")
            #expect(output.contains("irradiance="), "\(output)")
        }
    }

    @Test("cached values and history alone are not live: check-dashboard exits 1")
    func noLiveValuesFails() async throws {
        try await Self.withServer(live: false) { port in
            let (status, output) = try await Self.checkDashboard(["http://127.0.0.1:\(port)/", "--timeout", "8"])
            #expect(status == 1, "\(output)")
            #expect(output.contains("FAIL: no live values"), "\(output)")
            // The page did connect and show the cached topics: only live records were missing.
            #expect(output.contains("\"connection\": \"connected\""), "\(output)")
            #expect(output.contains("\"topic\": \"buyOffer\""), "\(output)")
        }
    }
}
