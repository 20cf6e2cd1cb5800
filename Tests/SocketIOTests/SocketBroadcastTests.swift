import JSON
import SocketIO
import Testing

@Suite("Socket.IO server: rooms and broadcasting")
struct SocketBroadcastTests {
    /// Three v5 clients and one v4 client on the main namespace; sockets by client index.
    struct Fixture {
        let server: SocketIOServer
        let clients: [SocketTestClient]
        let sockets: [SocketIOSocket]

        init(server: SocketIOServer = SocketIOServer()) throws {
            self.server = server
            var clients: [SocketTestClient] = []
            var sockets: [SocketIOSocket] = []
            for version in [EngineProtocolVersion.v4, .v4, .v4, .v3] {
                let client = SocketTestClient(server: server, version: version)
                if version == .v4 { client.connect() }
                clients.append(client)
                sockets.append(try #require(server.main.sockets.first { $0.connection === client.connection }))
            }
            for client in clients { client.connection.clear() }
            self.clients = clients
            self.sockets = sockets
        }

        /// Indexes of the clients that received `text`.
        func receivers(of text: String) -> [Int] {
            clients.indices.filter { clients[$0].connection.texts.contains(text) }
        }
    }

    @Test func broadcastEncodesOnceAndSharesTheSameMessages() throws {
        let fixture = try Fixture()
        #expect(fixture.server.emit("tick", 1, .raw(Array(#"{"p":2}"#.utf8))) == 4)
        var shared: [SharedEngineMessages] = []
        for client in fixture.clients {
            let sent = client.connection.sent
            #expect(sent.count == 1)
            if case .shared(let messages)? = sent.first { shared.append(messages) }
        }
        #expect(shared.count == 4)
        #expect(shared.allSatisfy { $0 === shared[0] }, "all connections get the identical instance")
        #expect(shared[0].messages == [.text(#"2["tick",1,{"p":2}]"#)])
    }

    @Test func roomsTargetBroadcasts() throws {
        let fixture = try Fixture()
        let (s0, s1, s2, s3) = (fixture.sockets[0], fixture.sockets[1], fixture.sockets[2], fixture.sockets[3])
        s0.join("red", "blue")
        s1.join("red")
        s2.join("blue")
        s3.join("red")
        #expect(s0.rooms == [s0.id, "red", "blue"])
        #expect(fixture.server.main.socketIds(in: "red") == [s0.id, s1.id, s3.id])

        fixture.server.to("red").emit("a")
        #expect(fixture.receivers(of: #"2["a"]"#) == [0, 1, 3])
        fixture.server.main.to("red", "blue").emit("b")
        #expect(fixture.receivers(of: #"2["b"]"#) == [0, 1, 2, 3])
        fixture.server.main.except("blue").emit("c")
        #expect(fixture.receivers(of: #"2["c"]"#) == [1, 3])
        fixture.server.to("red").except(s1.id).emit("d")
        #expect(fixture.receivers(of: #"2["d"]"#) == [0, 3])
        s0.to("red").emit("e")
        #expect(fixture.receivers(of: #"2["e"]"#) == [1, 3])
        s2.broadcast.emit("f")
        #expect(fixture.receivers(of: #"2["f"]"#) == [0, 1, 3])
        fixture.server.to(s2.id).emit("g")
        #expect(fixture.receivers(of: #"2["g"]"#) == [2])

        s0.leave("red")
        s3.disconnect()
        fixture.server.to("red").emit("h")
        #expect(fixture.receivers(of: #"2["h"]"#) == [1])
        #expect(fixture.server.to("nobody").emit("i") == 0)
    }

    @Test func disconnectedSocketsLeaveTheirRooms() throws {
        let fixture = try Fixture()
        fixture.sockets[0].join("room")
        fixture.clients[0].close(.transportClose)
        #expect(fixture.server.main.socketIds(in: "room").isEmpty)
        #expect(!fixture.server.main.rooms.contains("room"))
        #expect(fixture.server.main.socketCount == 3)
    }

    @Test func batchBroadcastSendsOneSharedUnitPerConnection() throws {
        let fixture = try Fixture()
        let events = (0..<16).map { SocketIOEvent("record", .raw(Array(#"{"i":\#($0)}"#.utf8))) }
        #expect(fixture.server.main.emit(batch: events) == 4)
        var instances: [SharedEngineMessages] = []
        for client in fixture.clients {
            #expect(client.connection.sent.count == 1)
            if case .shared(let shared)? = client.connection.sent.first { instances.append(shared) }
        }
        #expect(instances.count == 4)
        #expect(instances.allSatisfy { $0 === instances[0] })
        #expect(instances[0].messages.count == 16)
        #expect(instances[0].messages[15] == .text(#"2["record",{"i":15}]"#))
    }

    @Test func namespacesAreIsolated() throws {
        let server = SocketIOServer()
        _ = server.of("/admin")
        let mainOnly = SocketTestClient(server: server)
        mainOnly.connect()
        let adminClient = SocketTestClient(server: server)
        adminClient.connect("/admin")
        mainOnly.connection.clear()
        adminClient.connection.clear()
        server.of("/admin").emit("x", 1)
        #expect(mainOnly.connection.texts.isEmpty)
        #expect(adminClient.connection.texts == [#"2/admin,["x",1]"#])
    }

    @Test func binaryBroadcastReachesV4AndV5Clients() throws {
        let fixture = try Fixture()
        fixture.server.emit("bin", .binary(.init(bytes: [1, 2])))
        for client in fixture.clients {
            #expect(client.connection.messages == [
                .text(#"51-["bin",{"_placeholder":true,"num":0}]"#), .binary(.init(bytes: [1, 2])),
            ])
        }
    }

    @Test func closedConnectionsAreNotCounted() throws {
        let fixture = try Fixture()
        fixture.clients[1].connection.close()
        #expect(fixture.server.emit("x") == 3)
    }
}

@Suite("Socket.IO server: reserved event names")
struct SocketReservedEventTests {
    @Test func reservedNamesAreNeverSent() async throws {
        let server = SocketIOServer()
        let sockets = Recorder<SocketIOSocket>()
        server.main.onConnection { sockets.append($0) }
        let client = SocketTestClient(server: server)
        client.connect()
        client.connection.clear()
        let socket = try #require(sockets.all.first)
        #expect(!socket.emit("disconnect"))
        #expect(server.emit("connect") == 0)
        #expect(server.main.emit(batch: [SocketIOEvent("connect_error"), SocketIOEvent("ok")]) == 1)
        await #expect(throws: SocketIOAckError.reservedEventName) { try await socket.emitWithAck("disconnecting", []) }
        #expect(client.connection.texts == [#"2["ok"]"#])
    }

    @Test func rawValidatingRejectsInvalidJSON() throws {
        #expect(throws: JSONSyntaxError.self) { try JSONValue.raw(validating: Array("{oops".utf8)) }
        #expect(try JSONValue.raw(validating: Array("[1]".utf8)) == .raw(Array("[1]".utf8)))
    }
}

@Suite("Socket.IO server: acting on targeted sockets")
struct SocketTargetedSocketsTests {
    @Test func joinLeaveAndDisconnectTargetedSockets() throws {
        let fixture = try SocketBroadcastTests.Fixture()
        fixture.sockets[0].join("a")
        fixture.sockets[1].join("a")
        let inA = fixture.server.to("a")
        #expect(Set(inA.socketIds) == [fixture.sockets[0].id, fixture.sockets[1].id])
        inA.socketsJoin("b")
        #expect(fixture.server.main.socketIds(in: "b") == [fixture.sockets[0].id, fixture.sockets[1].id])
        fixture.server.to("b").except(fixture.sockets[0].id).socketsLeave("a")
        #expect(fixture.server.main.socketIds(in: "a") == [fixture.sockets[0].id])
        fixture.server.to("b").disconnectSockets()
        #expect(fixture.server.main.socketCount == 2)
        #expect(fixture.clients[0].connection.texts == ["1"])
        #expect(!fixture.clients[0].connection.isClosed)
        #expect(fixture.clients[2].connection.texts.isEmpty)
    }
}
