import SocketIO
import Testing

@Suite("Socket.IO server: connection state recovery")
struct SocketRecoveryTests {
    static func server(maximumDisconnection: Duration = .seconds(120)) -> (SocketIOServer, Recorder<SocketIOSocket>) {
        let server = SocketIOServer(configuration: .init(connectionStateRecovery: .init(
            maximumDisconnectionDuration: maximumDisconnection)))
        let sockets = Recorder<SocketIOSocket>()
        server.of("/feed").onConnection { sockets.append($0) }
        return (server, sockets)
    }

    /// The `pid` of the CONNECT reply.
    static func pid(_ client: SocketTestClient) throws -> String {
        let reply = try #require(client.connection.texts.first { $0.hasPrefix("0/feed,{") })
        return try #require(try JSONValue(parsing: String(reply.dropFirst("0/feed,".count)))["pid"]?.stringValue)
    }

    /// The last argument (the offset) of the last event received.
    static func lastOffset(_ client: SocketTestClient) throws -> String {
        let event = try #require(client.connection.texts.last { $0.hasPrefix("2/feed,[") })
        let args = try #require(try JSONValue(parsing: String(event.dropFirst("2/feed,".count))).arrayValue)
        return try #require(args.last?.stringValue)
    }

    @Test func offRecoveryAddsNothing() throws {
        let server = SocketIOServer()
        let client = SocketTestClient(server: server)
        let sid = try #require(client.connect())
        #expect(client.connection.texts == [#"0{"sid":"\#(sid)"}"#])
        server.emit("e", 1)
        #expect(client.connection.texts.last == #"2["e",1]"#)
    }

    @Test func missedEventsAreDeliveredWithSameIdAndRooms() throws {
        let (server, sockets) = Self.server()
        let feed = server.of("/feed")
        let first = SocketTestClient(server: server)
        let sid = try #require(first.connect("/feed"))
        let pid = try Self.pid(first)
        let socket = try #require(sockets.all.first)
        socket.join("merchant-1")
        feed.emit("price", 1)
        let offset = try Self.lastOffset(first)
        #expect(first.connection.texts.last == #"2/feed,["price",1,"\#(offset)"]"#)

        first.close(.transportClose)
        feed.to("merchant-1").emit("price", 2)
        feed.to("merchant-2").emit("price", 3)
        feed.except("merchant-1").emit("price", 4)
        feed.emit(batch: [SocketIOEvent("price", 5), SocketIOEvent("price", 6)])

        let second = SocketTestClient(server: server)
        #expect(second.connect("/feed", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#) == sid)
        let restored = try #require(sockets.all.last)
        #expect(restored !== socket)
        #expect(restored.recovered)
        #expect(restored.id == sid)
        #expect(restored.rooms == [sid, "merchant-1"])
        let events = second.connection.texts.dropFirst().map { text -> JSONValue? in
            (try? JSONValue(parsing: String(text.dropFirst("2/feed,".count))))?.arrayValue?.dropLast().first { $0.intValue != nil }
        }
        #expect(events == [2, 5, 6])
        #expect(try Self.pid(second) == pid)
        // The session was used; the same pid cannot be used twice.
        let third = SocketTestClient(server: server)
        #expect(third.connect("/feed", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#) != sid)
    }

    /// Per-socket state sent with `emitUnrecorded` does not fill the buffer shared by
    /// broadcasts; it carries the newest broadcast offset, from which a client that saw nothing
    /// else resumes (also when nothing was ever broadcast).
    @Test func unrecordedEmitsKeepTheBufferForBroadcastsAndStillResume() throws {
        let (server, sockets) = Self.server()
        let feed = server.of("/feed")
        let first = SocketTestClient(server: server)
        let sid = try #require(first.connect("/feed"))
        let pid = try Self.pid(first)
        let socket = try #require(sockets.all.first)
        for n in 0..<100 { socket.emitUnrecorded("cache", [.int(Int64(n))]) }
        #expect(feed.recoveryStatistics?.bufferedPackets == 0)
        let offset = try Self.lastOffset(first)
        first.close(.transportClose)
        feed.emit("price", 7)
        #expect(feed.recoveryStatistics?.bufferedPackets == 1)
        let second = SocketTestClient(server: server)
        #expect(second.connect("/feed", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#) == sid)
        #expect(try #require(sockets.all.last).recovered)
        #expect(second.connection.texts.contains { $0.hasPrefix(#"2/feed,["price",7,"#) })
    }

    @Test func individualEmitsAreRecoveredToo() throws {
        let (server, sockets) = Self.server()
        let first = SocketTestClient(server: server)
        let sid = try #require(first.connect("/feed"))
        let pid = try Self.pid(first)
        let socket = try #require(sockets.all.first)
        socket.emit("hello", "a")
        let offset = try Self.lastOffset(first)
        first.close(.pingTimeout)
        let second = SocketTestClient(server: server)
        #expect(second.connect("/feed", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#) == sid)
        #expect(second.connection.texts.count == 1)
    }

    @Test func namespaceDisconnectIsNotRecoverable() throws {
        let (server, _) = Self.server()
        let first = SocketTestClient(server: server)
        let sid = try #require(first.connect("/feed"))
        let pid = try Self.pid(first)
        server.of("/feed").emit("x")
        let offset = try Self.lastOffset(first)
        first.receive("1/feed,")
        let second = SocketTestClient(server: server)
        let newSid = second.connect("/feed", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#)
        #expect(newSid != nil && newSid != sid)
    }

    @Test func expiredOrUnknownSessionsGetNewSessions() async throws {
        let (server, sockets) = Self.server(maximumDisconnection: .milliseconds(50))
        let first = SocketTestClient(server: server)
        let sid = try #require(first.connect("/feed"))
        let pid = try Self.pid(first)
        server.of("/feed").emit("x")
        let offset = try Self.lastOffset(first)
        first.close(.transportClose)
        // Let the session outlive maximumDisconnectionDuration (the expiry itself is under test).
        try await Task.sleep(for: .milliseconds(120))
        let second = SocketTestClient(server: server)
        let newSid = try #require(second.connect("/feed", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#))
        #expect(newSid != sid)
        #expect(sockets.all.last?.recovered == false)
        #expect(try Self.pid(second) != pid)

        let third = SocketTestClient(server: server)
        let other = try #require(third.connect("/feed", auth: #"{"pid":"unknown","offset":"nope"}"#))
        #expect(other != sid)
        #expect(sockets.all.last?.recovered == false)
    }

    @Test func unknownOffsetIsNotRecovered() throws {
        let (server, sockets) = Self.server()
        let first = SocketTestClient(server: server)
        let sid = try #require(first.connect("/feed"))
        let pid = try Self.pid(first)
        server.of("/feed").emit("x")
        first.close(.transportClose)
        let second = SocketTestClient(server: server)
        #expect(second.connect("/feed", auth: #"{"pid":"\#(pid)","offset":"bogus-1"}"#) != sid)
        #expect(sockets.all.last?.recovered == false)
    }

    @Test func recoveredSocketsSkipMiddlewaresByDefault() throws {
        let (server, _) = Self.server()
        let calls = Recorder<Bool>()
        server.of("/feed").use { socket in calls.append(socket.recovered) }
        let first = SocketTestClient(server: server)
        let sid = try #require(first.connect("/feed"))
        let pid = try Self.pid(first)
        server.of("/feed").emit("x")
        let offset = try Self.lastOffset(first)
        first.close(.transportClose)
        let second = SocketTestClient(server: server)
        #expect(second.connect("/feed", auth: #"{"pid":"\#(pid)","offset":"\#(offset)"}"#) == sid)
        #expect(calls.all == [false])
    }
}
