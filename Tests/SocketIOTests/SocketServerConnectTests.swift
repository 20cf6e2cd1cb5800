import SocketIO
import Testing

@Suite("Socket.IO server: connecting to namespaces")
struct SocketServerConnectTests {
    @Test func v5ConnectsMainNamespaceWithSidReply() throws {
        let server = SocketIOServer()
        let connected = Recorder<SocketIOSocket>()
        server.main.onConnection { connected.append($0) }
        let client = SocketTestClient(server: server, version: .v4, query: ["EIO": "4", "user": "u1"])
        #expect(client.connection.texts.isEmpty, "v5: nothing is sent before the client's CONNECT")
        let sid = try #require(client.connect())
        #expect(client.connection.texts == [#"0{"sid":"\#(sid)"}"#])
        let socket = try #require(connected.all.first)
        #expect(socket.id == sid)
        #expect(socket.id != client.connection.id)
        #expect(socket.handshake.query["user"] == "u1")
        #expect(socket.handshake.protocolVersion == .v5)
        #expect(socket.rooms == [sid])
        #expect(!socket.recovered)
        #expect(server.main.socket(id: sid) === socket)
    }

    @Test func v5ConnectsCustomNamespaceAndRefusesUnknownOnes() throws {
        let server = SocketIOServer()
        let admin = server.of("admin")
        #expect(admin.name == "/admin")
        let client = SocketTestClient(server: server)
        let sid = try #require(client.connect("/admin"))
        #expect(client.connection.texts == [#"0/admin,{"sid":"\#(sid)"}"#])
        #expect(admin.socket(id: sid) != nil)
        #expect(server.main.socketCount == 0)
        client.connection.clear()
        #expect(client.connect("/unknown") == nil)
        #expect(client.connection.texts == [#"4/unknown,{"message":"Invalid namespace"}"#])
        #expect(!client.connection.isClosed)
    }

    @Test func dynamicNamespacesFollowThePolicy() throws {
        let server = SocketIOServer()
        let configured = Recorder<String>()
        let connected = Recorder<String>()
        server.acceptDynamicNamespaces(where: { name, _ in name.hasPrefix("/merchant-") }) { namespace in
            configured.append(namespace.name)
            namespace.onConnection { connected.append($0.namespace.name) }
        }
        let first = SocketTestClient(server: server)
        let second = SocketTestClient(server: server)
        #expect(first.connect("/merchant-1") != nil)
        #expect(second.connect("/merchant-1") != nil)
        #expect(second.connect("/other") == nil)
        #expect(second.connection.texts.last == #"4/other,{"message":"Invalid namespace"}"#)
        #expect(configured.all == ["/merchant-1"])
        #expect(connected.all == ["/merchant-1", "/merchant-1"])
        #expect(server.existingNamespace("/merchant-1")?.socketCount == 2)
    }

    @Test func middlewareSeesAuthAndCanRefuseWithMessageAndData() throws {
        let server = SocketIOServer()
        let order = Recorder<String>()
        server.main.use { socket in
            order.append("first")
            guard socket.handshake.auth?["token"]?.stringValue == "secret" else {
                throw SocketIOConnectionRefusal("Not authorized", data: ["reason": "bad token"])
            }
        }
        server.main.use { _ in order.append("second") }
        let connected = Recorder<JSONValue?>()
        server.main.onConnection { connected.append($0.handshake.auth) }

        let refused = SocketTestClient(server: server)
        #expect(refused.connect(auth: #"{"token":"wrong"}"#) == nil)
        #expect(refused.connection.texts == [#"4{"message":"Not authorized","data":{"reason":"bad token"}}"#])
        #expect(order.all == ["first"])
        #expect(server.main.socketCount == 0)

        let accepted = SocketTestClient(server: server)
        #expect(accepted.connect(auth: #"{"token":"secret"}"#) != nil)
        #expect(order.all == ["first", "first", "second"])
        #expect(connected.all == [["token": "secret"]])
    }

    @Test func otherMiddlewareErrorsRefuseWithTheirDescription() {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let server = SocketIOServer()
        server.main.use { _ in throw Boom() }
        let client = SocketTestClient(server: server)
        #expect(client.connect() == nil)
        #expect(client.connection.texts == [#"4{"message":"boom"}"#])
    }

    @Test func v4ClientsJoinTheMainNamespaceImplicitly() throws {
        let server = SocketIOServer()
        let connected = Recorder<SocketIOSocket>()
        server.main.onConnection { connected.append($0) }
        let client = SocketTestClient(server: server, version: .v3, query: ["EIO": "3"])
        #expect(client.connection.texts == ["0"])
        let socket = try #require(connected.all.first)
        #expect(socket.id == client.connection.id)
        #expect(socket.handshake.protocolVersion == .v4)
        // A CONNECT for the main namespace from a 1.x client is ignored (already connected).
        client.receive("0")
        #expect(client.connection.texts == ["0"])
        #expect(connected.count == 1)
    }

    @Test func v4CustomNamespaceWithQueryAndErrors() throws {
        let server = SocketIOServer()
        let admin = server.of("/admin")
        admin.use { socket in
            guard socket.handshake.query["token"] == "abc" else { throw SocketIOConnectionRefusal("Not authorized") }
        }
        let connected = Recorder<SocketIOSocket>()
        admin.onConnection { connected.append($0) }
        let client = SocketTestClient(server: server, version: .v3, query: ["EIO": "3", "other": "x"])
        client.receive("0/admin?token=abc&name=a%20b,")
        #expect(client.connection.texts == ["0", "0/admin,"])
        let socket = try #require(connected.all.first)
        #expect(socket.id == "/admin#\(client.connection.id)")
        #expect(socket.handshake.query == ["EIO": "3", "other": "x", "token": "abc", "name": "a b"])

        let refused = SocketTestClient(server: server, version: .v3)
        refused.receive("0/admin?token=nope,")
        #expect(refused.connection.texts == ["0", #"4/admin,"Not authorized""#])
        refused.receive("0/nowhere,")
        #expect(refused.connection.texts.last == #"4/nowhere,"Invalid namespace""#)
    }

    @Test func v4RefusalWithDataSendsTheData() {
        let server = SocketIOServer()
        server.of("/a").use { _ in throw SocketIOConnectionRefusal("no", data: ["code": 7]) }
        let client = SocketTestClient(server: server, version: .v3)
        client.receive("0/a,")
        #expect(client.connection.texts.last == #"4/a,{"code":7}"#)
    }

    @Test func packetsForUnconnectedNamespacesAreIgnored() {
        let server = SocketIOServer()
        _ = server.of("/admin")
        let seen = Recorder<String>()
        server.of("/admin").onConnection { socket in socket.onAny { name, _, _ in seen.append(name) } }
        let client = SocketTestClient(server: server)
        client.receive(#"2/admin,["early"]"#)
        #expect(client.connect("/admin") != nil)
        client.receive(#"2/admin,["late"]"#)
        #expect(seen.all == ["late"])
        #expect(!client.connection.isClosed)
    }
}
