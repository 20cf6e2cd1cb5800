import Foundation
import SocketIO
import Testing
import TestSupport

/// The real server stack (`InteropServer`) driven by the official Socket.IO JS client (the
/// browser bundle `socket.io.min.js` 4.x, run by node with its WebSocket, or Debian's node-ws) over
/// polling only, WebSocket only, and polling then the upgrade; the same scenario and checks as
/// the python clients (`Clients/js_interop_client.js`).
@Suite("Socket.IO interop with the official JS client", .serialized, .timeLimit(.minutes(3)))
struct InteropJSClientTests {
    static let scriptURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Clients/js_interop_client.js")

    @Test(arguments: ["polling", "websocket", "upgrade"].map { InteropCombination(client: .javascript, transport: $0) })
    func fullScenario(_ combination: InteropCombination) async throws {
        let node = try InteropJSClient.node()
        let options = try await InteropJSClient.webSocketOptions(node: node)
        try await Self.run(combination, nodeOptions: options, environment: [:], expectedWebSocket: nil)
    }

    /// node without a WebSocket global (as Debian's node 18, here forced): the script falls
    /// back to Debian's node-ws (`/usr/share/nodejs/ws`, or `NODE_WS`).
    @Test(arguments: ["websocket", "upgrade"].map { InteropCombination(client: .javascript, transport: $0) })
    func fullScenarioWithNodeWS(_ combination: InteropCombination) async throws {
        try await Self.run(combination, nodeOptions: [], environment: ["FORCE_NODE_WS": "1"], expectedWebSocket: "ws")
    }

    private static func run(
        _ combination: InteropCombination, nodeOptions: [String], environment: [String: String],
        expectedWebSocket: String?
    ) async throws {
        let node = try InteropJSClient.node()
        let bundle = try await InteropJSClient.bundle(python: try TestEnvironment.require(TestEnvironment.python))
        try await InteropServer.run { port, recorder, shutDown in
            let child = try ChildProcess(
                node, nodeOptions + [scriptURL.path, bundle, "http://127.0.0.1:\(port)", combination.transport],
                environment: environment, label: "sio-interop-js")
            // The scenario ends with a client that waits for the server to shut down.
            let waiting = await engineWaitUntil(timeout: 45) {
                child.output.contains("\"waiting_for_shutdown\"") || !child.isRunning
            }
            try #require(waiting && child.isRunning, "client did not reach the shutdown step:\n\(child.output)")
            await InteropScenarioChecks.awaitClientDisconnects(recorder)
            await shutDown()
            let exited = await engineWaitUntil(timeout: 20) { !child.isRunning }
            try #require(exited, "client did not finish:\n\(child.output)")
            #expect(child.process.terminationStatus == 0, "client failed:\n\(child.output)")
            let client = InteropObservations(parsingOutput: child.output)
            try #require(client.contains("script", "done"), "client did not complete the scenario:\n\(child.output)")
            if let expectedWebSocket {
                let used = client.first("script", "websocket_implementation")?["name"]?.stringValue
                #expect(used == expectedWebSocket, "client used the WebSocket of \(used ?? "?"):\n\(child.output)")
            }
            await InteropScenarioChecks.checkAll(combination, client: client, recorder: recorder)
        }
    }
}
