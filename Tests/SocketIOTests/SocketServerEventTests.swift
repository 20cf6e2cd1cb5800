import NIOCore
import SocketIO
import Synchronization
import Testing

@Suite("Socket.IO server: events, acknowledgements and disconnections")
struct SocketServerEventTests {
    /// A server whose connected sockets are recorded.
    struct Fixture {
        let server = SocketIOServer()
        let sockets = Recorder<SocketIOSocket>()

        init(namespace: String = "/", setup: @escaping @Sendable (SocketIOSocket) -> Void = { _ in }) {
            let sockets = self.sockets
            server.of(namespace).onConnection { socket in
                setup(socket)
                sockets.append(socket)
            }
        }
    }

    @Test func clientEventsReachHandlersAndAckOnce() throws {
        let received = Recorder<(String, [JSONValue], Bool)>()
        let fixture = Fixture(namespace: "/admin") { socket in
            socket.onAny { name, args, ack in received.append(("any:" + name, args, ack != nil)) }
            socket.on("hello") { args, ack in
                received.append(("hello", args, ack != nil))
                if let ack {
                    #expect(ack("ok", 1))
                    #expect(ack.isSent)
                    #expect(!ack("again"))
                }
            }
        }
        let client = SocketTestClient(server: fixture.server)
        #expect(client.connect("/admin") != nil)
        client.connection.clear()
        client.receive(#"2/admin,["hello","world",{"n":1}]"#)
        client.receive(#"2/admin,5["hello"]"#)
        client.receive(#"2/admin,["unhandled"]"#)
        #expect(received.all.map(\.0) == ["any:hello", "hello", "any:hello", "hello", "any:unhandled"])
        #expect(received.all[1].1 == ["world", ["n": 1]])
        #expect(received.all[1].2 == false)
        #expect(received.all[3].2 == true)
        #expect(client.connection.texts == [#"3/admin,5["ok",1]"#])
    }

    @Test func emitSendsEventToThatClientOnly() throws {
        let fixture = Fixture()
        let a = SocketTestClient(server: fixture.server)
        let b = SocketTestClient(server: fixture.server)
        a.connect()
        b.connect()
        a.connection.clear()
        b.connection.clear()
        let socket = try #require(fixture.sockets.all.first)
        #expect(socket.emit("news", "hi", 2, .raw(Array(#"{"r":true}"#.utf8))))
        #expect(a.connection.texts == [#"2["news","hi",2,{"r":true}]"#])
        #expect(b.connection.texts.isEmpty)
    }

    @Test func emitWithAckReturnsTheClientsAcknowledgement() async throws {
        let fixture = Fixture(namespace: "/admin")
        let client = SocketTestClient(server: fixture.server)
        client.connect("/admin")
        client.connection.clear()
        let socket = try #require(fixture.sockets.all.first)
        async let reply = socket.emitWithAck("question", ["why"], timeout: .seconds(10))
        let asked = await eventuallyAsync { client.connection.texts.count == 1 }
        #expect(asked)
        #expect(client.connection.texts == [#"2/admin,0["question","why"]"#])
        client.receive(#"3/admin,0["because",42]"#)
        #expect(try await reply == ["because", 42])
    }

    @Test func emitWithAckTimesOut() async throws {
        let fixture = Fixture()
        let client = SocketTestClient(server: fixture.server)
        client.connect()
        let socket = try #require(fixture.sockets.all.first)
        let start = ContinuousClock.now
        await #expect(throws: SocketIOAckError.timeout) {
            try await socket.emitWithAck("question", [], timeout: .milliseconds(100))
        }
        #expect(ContinuousClock.now - start >= .milliseconds(100))
        // A late acknowledgement is ignored.
        client.receive(#"30["late"]"#)
        #expect(!client.connection.isClosed)
    }

    @Test func emitWithAckFailsWhenTheSocketDisconnects() async throws {
        let fixture = Fixture()
        let client = SocketTestClient(server: fixture.server)
        client.connect()
        let socket = try #require(fixture.sockets.all.first)
        async let reply = socket.emitWithAck("question", [], timeout: .seconds(30))
        #expect(await eventuallyAsync { client.connection.texts.count == 2 })
        client.close(.transportClose)
        do {
            _ = try await reply
            Issue.record("emitWithAck returned although the socket disconnected")
        } catch {
            #expect(error as? SocketIOAckError == .disconnected)
        }
        await #expect(throws: SocketIOAckError.disconnected) { try await socket.emitWithAck("again", []) }
    }

    @Test func binaryEventsBothWays() throws {
        let received = Recorder<[JSONValue]>()
        let fixture = Fixture { socket in
            socket.on("upload") { args, ack in
                received.append(args)
                ack?(.binary(ByteBuffer(bytes: [9, 9])))
            }
        }
        let client = SocketTestClient(server: fixture.server)
        client.connect()
        client.connection.clear()
        client.receive(#"51-3["upload",{"name":"f","data":{"_placeholder":true,"num":0}}]"#)
        #expect(received.count == 0)
        client.receive(binary: [1, 2, 3])
        #expect(received.all == [[["name": "f", "data": .binary(ByteBuffer(bytes: [1, 2, 3]))]]])
        #expect(client.connection.messages == [
            .text(#"61-3[{"_placeholder":true,"num":0}]"#), .binary(ByteBuffer(bytes: [9, 9])),
        ])
        client.connection.clear()
        let socket = try #require(fixture.sockets.all.first)
        socket.emit("file", .binary(ByteBuffer(bytes: [7])))
        #expect(client.connection.messages == [
            .text(#"51-["file",{"_placeholder":true,"num":0}]"#), .binary(ByteBuffer(bytes: [7])),
        ])
    }

    @Test(arguments: [
        (EngineCloseReason.transportClose, SocketIODisconnectReason.transportClose),
        (.clientClose, .transportClose),
        (.pingTimeout, .pingTimeout),
        (.slowConsumer, .slowConsumer),
        (.serverShutdown, .serverShuttingDown),
        (.transportError("reset"), .transportError("reset")),
        (.serverClose, .forcedServerClose),
    ])
    func engineCloseReasonsReachDisconnectHandlers(engine: EngineCloseReason, expected: SocketIODisconnectReason) throws {
        let reasons = Recorder<SocketIODisconnectReason>()
        let fixture = Fixture { socket in socket.onDisconnect { reasons.append($0) } }
        let client = SocketTestClient(server: fixture.server)
        client.connect()
        client.close(engine)
        #expect(reasons.all == [expected])
        #expect(fixture.server.main.socketCount == 0)
        #expect(fixture.server.connectionCount == 0)
        #expect(fixture.sockets.all.first?.isConnected == false)
    }

    @Test func clientNamespaceDisconnectKeepsOtherNamespaces() throws {
        let reasons = Recorder<String>()
        let server = SocketIOServer()
        for name in ["/", "/admin"] {
            server.of(name).onConnection { socket in socket.onDisconnect { reasons.append("\(name) \($0)") } }
        }
        let client = SocketTestClient(server: server)
        client.connect()
        client.connect("/admin")
        client.receive("1/admin,")
        #expect(reasons.all == ["/admin client namespace disconnect"])
        #expect(server.main.socketCount == 1)
        #expect(server.of("/admin").socketCount == 0)
        // The client can join the namespace again.
        #expect(client.connect("/admin") != nil)
    }

    @Test func serverDisconnectSendsDisconnectPacket() throws {
        let reasons = Recorder<SocketIODisconnectReason>()
        let fixture = Fixture(namespace: "/admin") { socket in socket.onDisconnect { reasons.append($0) } }
        let client = SocketTestClient(server: fixture.server)
        client.connect("/admin")
        client.connection.clear()
        let socket = try #require(fixture.sockets.all.first)
        socket.disconnect()
        socket.disconnect()
        #expect(client.connection.texts == ["1/admin,"])
        #expect(reasons.all == [.serverNamespaceDisconnect])
        #expect(!client.connection.isClosed)
        #expect(!socket.emit("after", 1))
    }

    @Test func disconnectWithCloseClosesTheConnection() throws {
        let reasons = Recorder<SocketIODisconnectReason>()
        let fixture = Fixture { socket in socket.onDisconnect { reasons.append($0) } }
        let client = SocketTestClient(server: fixture.server)
        client.connect()
        client.connection.clear()
        try #require(fixture.sockets.all.first).disconnect(close: true)
        #expect(client.connection.texts == ["1"])
        #expect(client.connection.isClosed)
        #expect(reasons.all == [.serverNamespaceDisconnect])
        client.close(.serverClose)
        #expect(reasons.count == 1)
    }

    @Test(arguments: [
        "9", #"2["disconnect"]"#, "2[1", "3[]", #"51-["a",{"_placeholder":true,"num":5}]"#,
    ])
    func malformedPacketsCloseTheClientWithParseError(_ packet: String) throws {
        let reasons = Recorder<SocketIODisconnectReason>()
        let fixture = Fixture { socket in socket.onDisconnect { reasons.append($0) } }
        let client = SocketTestClient(server: fixture.server)
        client.connect()
        client.receive(packet)
        if packet.hasPrefix("5") { client.receive(binary: [1]) }
        #expect(client.connection.isClosed)
        #expect(reasons.all == [.parseError])
        // Whatever arrives until the engine reports the close is ignored.
        client.receive(#"2["x"]"#)
        client.close(.serverClose)
        #expect(reasons.count == 1)
        #expect(fixture.server.connectionCount == 0)
    }

    @Test func rejectsBinaryMessagesOutOfSequence() {
        let fixture = Fixture()
        let client = SocketTestClient(server: fixture.server)
        client.connect()
        client.receive(binary: [1, 2])
        #expect(client.connection.isClosed)
    }
}

/// Polls `condition` until it holds, up to `timeout` seconds.
func eventuallyAsync(timeout: Double = 5, _ condition: @Sendable () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
