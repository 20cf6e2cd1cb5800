import Foundation
import Testing
import TestSupport

/// Checks the `sio-bench` load generator against a real client: while `sio-bench load`
/// drives `sio-bench server`, a python-socketio 5.x client connected to the same server must
/// receive the same `tick` events the load generator parses (name, payload fields, timestamp),
/// and the load generator must count them with no malformed packets.
@Suite("sio-bench cross-check", .serialized)
struct SioBenchCrossCheckTests {
    /// The `sio-bench` binary (`SIO_BENCH_BIN`, default `.build/debug/sio-bench`, built by
    /// `swift build --build-tests` / `swift test`).
    static var sioBench: String {
        ProcessInfo.processInfo.environment["SIO_BENCH_BIN"]
            ?? TestEnvironment.packageRoot.appendingPathComponent(".build/debug/sio-bench").path
    }

    @Test("python-socketio receives the tick events the load generator counts")
    func pythonClientSeesTheTicksTheLoadGeneratorParses() async throws {
        let sioBench = try TestEnvironment.require(Self.sioBench)
        let python = try TestEnvironment.require(TestEnvironment.python)
        let server = try ChildProcess(sioBench, ["server", "--port", "0"], label: "sio-bench-server")
        defer { server.stop() }
        var port: Int?
        let bound = await eventually(timeout: 20) {
            port = Self.listeningPort(in: server.output)
            return port != nil
        }
        try #require(bound, "sio-bench server did not print its port: \(server.output)")

        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/SocketIOTests/Clients/python_tick_client.py").path
        let client = try ChildProcess(python, [script, "http://127.0.0.1:\(port!)", "20"], label: "python-tick-client")
        defer { client.stop() }
        let ready = await eventually(timeout: 20) { client.output.contains("ready") }
        try #require(ready, "python client did not connect: \(client.output)")

        // 3 load clients + the python client; 300 deliveries/s over 3 clients = 100 ticks/s.
        let load = try ChildProcess(
            sioBench, ["load", "--port", "\(port!)", "--clients", "3", "--rate", "300", "--seconds", "1", "--warmup", "0.2"],
            label: "sio-bench-load")
        defer { load.stop() }
        let loadStatus = load.waitForExit(timeout: 30)
        #expect(loadStatus == 0, "sio-bench load failed: \(load.output)")
        let clientStatus = client.waitForExit(timeout: 30)
        #expect(clientStatus == 0, "python client failed: \(client.output)")

        let loadFigures = try Self.lastJSONObject(in: load.output)
        #expect(loadFigures["malformed"] as? Int == 0)
        #expect(loadFigures["dropped"] as? Int == 0)
        // ~100 ticks/s for ~1 s to each of 3 clients; far fewer means the parser misses ticks.
        let deliveries = try #require(loadFigures["deliveries"] as? Int)
        #expect(deliveries >= 150, "load generator counted \(deliveries) ticks in the window")
        #expect((loadFigures["p99_ms"] as? Double).map { $0 > 0 } == true)

        let observed = try Self.lastJSONObject(in: client.output)
        #expect(observed["ticks"] as? Int == 20, "python client output: \(client.output)")
        #expect((observed["other_events"] as? [Any])?.isEmpty == true, "unexpected events: \(client.output)")
        let first = try #require(observed["first"] as? [String: Any])
        #expect(Set(first.keys) == ["seq", "t", "pad"])
        #expect(first["seq"] as? Int == 0)
        #expect((first["pad"] as? String)?.count == 150)
        // The send timestamp the load generator subtracts: wall-clock µs, shortly before now.
        let sentAt = try #require(first["t"] as? Int)
        let now = try #require(observed["now_us"] as? Int)
        #expect(sentAt <= now && now - sentAt < 30_000_000, "t \(sentAt) vs now \(now)")
    }

    static func listeningPort(in output: String) -> Int? {
        for line in output.split(separator: "\n") where line.hasPrefix("listening ") {
            return Int(line.dropFirst("listening ".count))
        }
        return nil
    }

    static func lastJSONObject(in output: String) throws -> [String: Any] {
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") }, "no JSON in: \(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}
