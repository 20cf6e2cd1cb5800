import Foundation
import SocketIO
import Testing
import TestSupport

/// The real server stack (`InteropServer`) driven by the reference clients: python-socketio 5.x
/// (Socket.IO v5 over Engine.IO v4) and python-socketio 4.6.1 with python-engineio 3.14.2
/// (Socket.IO v4 over Engine.IO v3), each over polling only, WebSocket only, and polling then the
/// upgrade to WebSocket. One client process per combination runs the whole scenario
/// (`Clients/python_interop_client.py`) and prints its observations; the server records its own.
@Suite("Socket.IO interop with python-socketio reference clients", .timeLimit(.minutes(2)))
struct InteropPythonClientTests {
    static let combinations: [InteropCombination] = [InteropClientKind.python5, .python4].flatMap { client in
        ["polling", "websocket", "upgrade"].map { InteropCombination(client: client, transport: $0) }
    }

    static let scriptURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Clients/python_interop_client.py")

    @Test(arguments: combinations)
    func fullScenario(_ combination: InteropCombination) async throws {
        let python = try TestEnvironment.require(
            combination.client == .python5 ? TestEnvironment.python : TestEnvironment.pythonEIO3)
        try await InteropServer.run { port, recorder, shutDown in
            let generation = combination.client == .python5 ? "5" : "4"
            let child = try ChildProcess(
                python, [Self.scriptURL.path, "http://127.0.0.1:\(port)", generation, combination.transport],
                label: "sio-interop-python")
            // The scenario ends with a client that waits for the server to shut down.
            let waiting = await engineWaitUntil(timeout: 45) { child.output.contains("\"waiting_for_shutdown\"") }
            try #require(waiting, "client did not reach the shutdown step:\n\(child.output)")
            await InteropScenarioChecks.awaitClientDisconnects(recorder)
            await shutDown()
            let exited = await engineWaitUntil(timeout: 20) { !child.isRunning }
            try #require(exited, "client did not finish:\n\(child.output)")
            #expect(child.process.terminationStatus == 0, "client failed:\n\(child.output)")
            let client = InteropObservations(parsingOutput: child.output)
            try #require(client.contains("script", "done"), "client did not complete the scenario:\n\(child.output)")
            await InteropScenarioChecks.checkAll(combination, client: client, recorder: recorder)
        }
    }
}
