import Foundation
import NIOCore
@testable import SocketIO
import Testing
import TestSupport

@Suite("Engine.IO heartbeat", .timeLimit(.minutes(1)))
struct EngineHeartbeatTests {
    /// Short deadlines for the timeout checks.
    static let fast = EngineIOConfiguration(path: "/engine.io/", pingInterval: .milliseconds(150), pingTimeout: .milliseconds(150))
    /// Short pings but a forgiving timeout, for checks that a live client stays connected on a
    /// busy machine.
    static let lenient = EngineIOConfiguration(path: "/engine.io/", pingInterval: .milliseconds(150), pingTimeout: .seconds(2))

    @Test func v4ClientThatNeverAnswersIsClosed() async throws {
        try await withEngineServer(Self.fast) { port, _, delegate in
            try await EngineTestConnection.with(port: port) { ws in
                let start = ContinuousClock.now
                let open = try await engineOpenWebSocket(ws)
                #expect(try await ws.readText() == "2")
                #expect(try await ws.readFrame().isClose)
                let elapsed = ContinuousClock.now - start
                #expect(await delegate.waitForClose(open.sid) == .pingTimeout)
                // Closed after pingInterval + pingTimeout (300 ms), with slack for a busy machine.
                #expect(elapsed >= .milliseconds(290))
                #expect(elapsed < .seconds(3))
            }
        }
    }

    @Test func v4ClientThatAnswersStaysConnected() async throws {
        try await withEngineServer(Self.lenient) { port, endpoint, delegate in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                for _ in 0..<4 {
                    #expect(try await ws.readText() == "2")
                    try await ws.sendText("3")
                }
                #expect(delegate.closeReason(open.sid) == nil)
                #expect(endpoint.connectionCount == 1)
            }
        }
    }

    @Test func v4PollingReceivesPingsAndTimesOut() async throws {
        try await withEngineServer(Self.lenient) { port, _, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let target = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
            let poll = try await EngineTestConnection.request(port: port, "GET", target)
            #expect(poll.text == "2")
            #expect(try await EngineTestConnection.request(port: port, "POST", target, text: "3").status == 200)
            #expect(try await EngineTestConnection.request(port: port, "GET", target).text == "2")
            // No pong this time.
            #expect(await delegate.waitForClose(sid, timeout: 5) == .pingTimeout)
            #expect(try await EngineTestConnection.request(port: port, "GET", target).status == 400)
        }
    }

    @Test func v3ServerAnswersPingsAndDropsSilentClients() async throws {
        let configuration = EngineIOConfiguration(
            path: "/engine.io/", pingInterval: .milliseconds(300), pingTimeout: .milliseconds(700))
        try await withEngineServer(configuration) { port, _, delegate in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws, query: "EIO=3")
                // Pinging keeps the session alive past pingInterval + pingTimeout (1 s).
                let start = ContinuousClock.now
                var lastPing = start
                while ContinuousClock.now - start < .milliseconds(1500) {
                    lastPing = ContinuousClock.now
                    try await ws.sendText("2probe")
                    #expect(try await ws.readText() == "3probe")
                    try await Task.sleep(for: .milliseconds(300))  // the client's ping interval
                }
                #expect(delegate.closeReason(open.sid) == nil)
                // Silent from now on: closed pingInterval + pingTimeout after the last ping arrived.
                #expect(try await ws.readFrame().isClose)
                let elapsed = ContinuousClock.now - lastPing
                #expect(elapsed >= .milliseconds(950))
                #expect(elapsed < .seconds(4))
                #expect(await delegate.waitForClose(open.sid) == .pingTimeout)
            }
        }
    }

    @Test func v3PollingPingIsAnsweredWithPong() async throws {
        try await withEngineServer { port, _, _ in
            let sid = try await engineOpenPollingSession(port: port, query: "EIO=3")
            let target = "/engine.io/?EIO=3&transport=polling&sid=\(sid)"
            #expect(try await EngineTestConnection.request(port: port, "POST", target, text: "1:2").status == 200)
            // Binary framing (no `b64=1`): marker 0, length 1, 0xFF, "3".
            #expect(Array(try await EngineTestConnection.request(port: port, "GET", target).body.readableBytesView)
                == [0, 1, 0xFF, 0x33])
        }
    }
}
