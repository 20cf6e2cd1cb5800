import Foundation
import NIOCore
@testable import SocketIO
import Testing
import TestSupport

/// Opens a direct WebSocket session on `connection`; returns the open packet.
func engineOpenWebSocket(_ connection: EngineTestConnection, query: String = "EIO=4") async throws -> EngineOpenPacket {
    let response = try await connection.upgrade("/engine.io/?\(query)&transport=websocket")
    #expect(response.status == 101)
    let open = try await connection.readText()
    #expect(open.hasPrefix("0"))
    return try JSONDecoder().decode(EngineOpenPacket.self, from: Data(open.dropFirst().utf8))
}

@Suite("Engine.IO WebSocket transport", .timeLimit(.minutes(1)))
struct EngineWebSocketTests {
    @Test func v4DirectTextAndBinary() async throws {
        try await withEngineServer { port, _, delegate in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                #expect(open.upgrades == [])
                #expect(open.maxPayload == 1_000_000)
                try await ws.sendText("4hello")
                #expect(try await ws.readText() == "4hello")
                try await ws.sendBinary([1, 2, 3])
                let binary = try await ws.readFrame()
                #expect(binary.isBinary)
                #expect(binary.bytes == [1, 2, 3])
                let big = String(repeating: "z", count: 70_000)
                try await ws.sendText("4" + big)
                #expect(try await ws.readText() == "4" + big)
                #expect(delegate.messages(from: open.sid) == [.text("hello"), .binary(ByteBuffer(bytes: [1, 2, 3])), .text(big)])
            }
        }
    }

    @Test func v3DirectBinaryFramesCarryTheTypeByte() async throws {
        try await withEngineServer { port, _, delegate in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws, query: "EIO=3")
                #expect(open.maxPayload == nil)
                try await ws.sendBinary([4, 7, 8])
                let echoed = try await ws.readFrame()
                #expect(echoed.isBinary)
                #expect(echoed.bytes == [4, 7, 8])
                try await ws.sendText("4text")
                #expect(try await ws.readText() == "4text")
                try await ws.sendText("2")
                #expect(try await ws.readText() == "3")
                #expect(delegate.messages(from: open.sid) == [.binary(ByteBuffer(bytes: [7, 8])), .text("text")])
            }
        }
    }

    @Test func upgradeFromPolling() async throws {
        try await withEngineServer { port, endpoint, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let target = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
            try await EngineTestConnection.with(port: port) { poll in
                try await poll.sendRequest("GET", target)
                #expect(await engineWaitUntil { endpoint.session(id: sid)?.hasPendingPoll == true })
                try await EngineTestConnection.with(port: port) { ws in
                    let response = try await ws.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)")
                    #expect(response.status == 101)
                    try await ws.sendText("2probe")
                    #expect(try await ws.readText() == "3probe")
                    // The pending poll is released with a noop.
                    #expect(try await poll.readResponse().text == "6")
                    // Messages sent while upgrading go out on the WebSocket once it completes.
                    endpoint.connection(id: sid)?.send([.text("queued")])
                    try await ws.sendText("5")
                    #expect(try await ws.readText() == "4queued")
                    try await ws.sendText("4over websocket")
                    #expect(try await ws.readText() == "4over websocket")
                    #expect(endpoint.session(id: sid)?.transportName == "websocket")
                    // Polling is over for this session.
                    let post = try await EngineTestConnection.request(port: port, "POST", target, text: "4late")
                    #expect(post.status == 400)
                    let get = try await EngineTestConnection.request(port: port, "GET", target)
                    #expect(get.status == 400)
                    // A second WebSocket for the same session is accepted and closed at once.
                    try await EngineTestConnection.with(port: port) { second in
                        let secondResponse = try await second.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)")
                        #expect(secondResponse.status == 101)
                        #expect(try await second.readFrame().isClose)
                    }
                    try await ws.sendText("4still here")
                    #expect(try await ws.readText() == "4still here")
                }
            }
            #expect(delegate.messages(from: sid) == [.text("over websocket"), .text("still here")])
        }
    }

    @Test func pacedWritesSendEachUnitSeparately() async throws {
        let configuration = EngineIOConfiguration(path: "/engine.io/", webSocketWriteSpacing: .milliseconds(20))
        try await withEngineServer(configuration, delegate: EngineTestDelegate(echo: false)) { port, endpoint, _ in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                let connection = try #require(endpoint.connection(id: open.sid))
                let start = ContinuousClock.now
                for index in 0..<3 { connection.send([.text("unit \(index)")]) }
                for index in 0..<3 { #expect(try await ws.readText() == "4unit \(index)") }
                // Three units, two gaps of at least 20 ms between them.
                #expect(ContinuousClock.now - start >= .milliseconds(40))
            }
        }
    }

    @Test func oversizedMessageClosesTheConnection() async throws {
        try await withEngineServer(EngineIOConfiguration(path: "/engine.io/", maxPayload: 100)) { port, _, delegate in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                try await ws.sendText("4" + String(repeating: "x", count: 200))
                let close = try await ws.readFrame()
                #expect(close.isClose)
                #expect(close.payload.getInteger(at: close.payload.readerIndex, as: UInt16.self) == 1009)
                let reason = await delegate.waitForClose(open.sid)
                #expect(reason == .transportError("message too large"))
                #expect(delegate.messages(from: open.sid).isEmpty)
            }
        }
    }

    @Test func invalidPacketClosesWithParseError() async throws {
        try await withEngineServer { port, _, delegate in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                try await ws.sendText("abc")
                #expect(try await ws.readFrame().isClose)
                #expect(await delegate.waitForClose(open.sid) == .parseError)
            }
        }
    }

    @Test func closePacketAndTransportClose() async throws {
        try await withEngineServer { port, endpoint, delegate in
            let first = try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                try await ws.sendText("1")
                #expect(try await ws.readFrame().isClose)
                return open.sid
            }
            #expect(await delegate.waitForClose(first) == .clientClose)
            let second = try await EngineTestConnection.with(port: port) { try await engineOpenWebSocket($0).sid }
            #expect(await delegate.waitForClose(second) == .transportClose)
            #expect(endpoint.connectionCount == 0)
        }
    }

    @Test func serverCloseSendsQueuedMessagesThenTheClosePacket() async throws {
        try await withEngineServer(delegate: EngineTestDelegate(echo: false)) { port, endpoint, _ in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                let connection = try #require(endpoint.connection(id: open.sid))
                connection.send([.text("last words")])
                connection.close()
                #expect(try await ws.readText() == "4last words")
                #expect(try await ws.readText() == "1")
                #expect(try await ws.readFrame().isClose)
            }
        }
    }
}
