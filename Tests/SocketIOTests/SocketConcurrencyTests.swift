import SocketIO
import Testing

@Suite("Socket.IO server under concurrent connections")
struct SocketConcurrencyTests {
    @Test func concurrentConnectionsRoomsAndBroadcastsStayConsistent() async throws {
        let server = SocketIOServer(configuration: .init(connectionStateRecovery: .init()))
        server.main.onConnection { socket in
            socket.on("join") { args, ack in
                if let room = args.first?.stringValue { socket.join(room) }
                ack?()
            }
        }
        let received = Recorder<Int>()
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for round in 0..<50 {
                        let client = SocketTestClient(server: server)
                        client.connect()
                        client.receive(#"21["join","room-\#(worker % 3)"]"#)
                        server.to("room-\(round % 3)").emit("tick", .int(Int64(round)))
                        server.main.except("room-1").emit(batch: [SocketIOEvent("a"), SocketIOEvent("b")])
                        received.append(client.connection.messages.count)
                        client.close(round % 2 == 0 ? .transportClose : .pingTimeout)
                    }
                }
            }
            group.addTask {
                for _ in 0..<200 { server.emit("all", 1) }
            }
        }
        #expect(received.count == 400)
        #expect(received.all.allSatisfy { $0 >= 2 }, "each client got its CONNECT reply and its ack")
        #expect(server.connectionCount == 0)
        #expect(server.main.socketCount == 0)
        #expect(server.main.rooms.isEmpty)
    }
}
