import Foundation
import SocketIO
import Testing
import TestSupport

/// The python-engineio client (4.x with python-socketio 5, 3.14.2 for Engine.IO v3) against the
/// server: connect over each transport, send text and binary, expect them echoed.
@Suite("Engine.IO with python-engineio reference clients", .timeLimit(.minutes(2)))
struct EngineReferenceClientTests {
    static let script = """
        import sys, threading, engineio
        url, transport = sys.argv[1], sys.argv[2]
        transports = None if transport == "default" else [transport]
        client = engineio.Client()
        received = []
        done = threading.Event()

        @client.on("message")
        def on_message(data):
            received.append(data)
            if len(received) == 3:
                done.set()

        client.connect(url, transports=transports, engineio_path="engine.io")
        client.send("hello")
        client.send("snow ☃ and 😀")
        client.send(b"\\x01\\x02\\x03")
        ok = done.wait(20)
        print("transport:", client.transport(), "received:", received, flush=True)
        client.disconnect()
        expected = ["hello", "snow ☃ and 😀", b"\\x01\\x02\\x03"]
        sys.exit(0 if ok and received == expected else 1)
        """

    static func run(python: String, transport: String) async throws {
        let python = try TestEnvironment.require(python)
        let scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("engine-client-\(UUID().uuidString).py")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scriptURL) }
        try await withEngineServer { port, _, delegate in
            let child = try ChildProcess(python, [scriptURL.path, "http://127.0.0.1:\(port)", transport], label: "engineio-client")
            let exited = await engineWaitUntil(timeout: 60) { !child.isRunning }
            #expect(exited, "client did not finish: \(child.output)")
            #expect(child.process.terminationStatus == 0, "client failed: \(child.output)")
            if transport == "websocket" || transport == "default" {
                #expect(child.output.contains("transport: websocket"), "\(child.output)")
            }
            #expect(await engineWaitUntil { delegate.events.contains { if case .closed = $0 { return true } else { return false } } })
        }
    }

    @Test(arguments: ["polling", "websocket", "default"])
    func engineIO4Client(transport: String) async throws {
        try await Self.run(python: TestEnvironment.python, transport: transport)
    }

    @Test(arguments: ["polling", "websocket", "default"])
    func engineIO3Client(transport: String) async throws {
        try await Self.run(python: TestEnvironment.pythonEIO3, transport: transport)
    }
}
