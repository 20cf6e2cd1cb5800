import Foundation
import SocketIO
import Testing
import TestSupport

/// python-engineio clients (3.10 and later, 4.x) refuse a polling response of more than 16
/// packets (`Payload.max_decode_packets`): the handshake fails with "Unexpected response from
/// server", a later poll aborts the connection. An on-connect burst larger than that (realtimed's
/// history of every topic) must reach python-socketio 4.x and 5.x over polling, complete and in order.
@Suite("On-connect bursts to python-socketio over polling", .serialized, .timeLimit(.minutes(2)))
struct InteropPollingBurstTests {
    static let burst = 60

    static func scenario(_ io: SocketIOServer, _ recorder: InteropRecorder) {
        io.main.onConnection { socket in
            for index in 0..<burst { socket.emit("record", .int(Int64(index))) }
        }
    }

    static let client = #"""
    import json, sys, threading
    import socketio

    url, count = sys.argv[1], int(sys.argv[2])
    sio = socketio.Client()
    got, done = [], threading.Event()

    @sio.on('record')
    def on_record(index):
        got.append(index)
        if len(got) == count:
            done.set()

    sio.connect(url, transports=['polling'])
    done.wait(30)
    print('RESULT:' + json.dumps({'connected': sio.connected, 'records': got}))
    sio.disconnect()
    """#

    @Test(arguments: ["python-socketio 4.6.1", "python-socketio 5"])
    func burstLargerThanSixteenPacketsArrivesComplete(client: String) async throws {
        let python = try TestEnvironment.require(
            client.hasSuffix("4.6.1") ? TestEnvironment.pythonEIO3 : TestEnvironment.python)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sio-burst-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("client.py")
        try Self.client.write(to: script, atomically: true, encoding: .utf8)
        try await InteropServer.run(scenario: Self.scenario) { port, _, _ in
            let child = try ChildProcess(python, [script.path, "http://127.0.0.1:\(port)", String(Self.burst)],
                                         label: "python-burst")
            let status = try #require(child.waitForExit(timeout: 60), "python did not finish: \(child.output)")
            #expect(status == 0, "python failed: \(child.output.suffix(3000))")
            let line = try #require(child.output.split(separator: "\n").first { $0.hasPrefix("RESULT:") },
                                    "no result from python: \(child.output.suffix(3000))")
            let result = try JSONValue(parsing: String(line.dropFirst("RESULT:".count)))
            #expect(result["records"] == .array((0..<Self.burst).map { .int(Int64($0)) }),
                    "\(child.output.suffix(3000))")
        }
    }
}
