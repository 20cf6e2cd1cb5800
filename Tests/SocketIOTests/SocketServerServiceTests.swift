import SocketIO
import Testing

@Suite("Socket.IO server as a Service")
struct SocketServerServiceTests {
    @Test func closesClientsThatJoinNoNamespaceWithinConnectTimeout() async throws {
        let server = SocketIOServer(configuration: .init(
            connectTimeout: .milliseconds(100), maintenanceInterval: .milliseconds(10)))
        let idle = SocketTestClient(server: server)
        let joined = SocketTestClient(server: server)
        joined.connect()
        let legacy = SocketTestClient(server: server, version: .v3)  // joins "/" implicitly
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await server.run() }
            #expect(await eventuallyAsync { idle.connection.isClosed })
            group.cancelAll()
        }
        #expect(!joined.connection.isClosed)
        #expect(!legacy.connection.isClosed)
    }

    @Test func runStopsWhenCancelled() async throws {
        let server = SocketIOServer()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    @Test func maintenanceExpiresRecoveryState() throws {
        let server = SocketIOServer(configuration: .init(connectionStateRecovery: .init(
            maximumDisconnectionDuration: .seconds(60))))
        let client = SocketTestClient(server: server)
        client.connect()
        server.emit("x", 1)
        client.close(.transportClose)
        #expect(server.main.recoveryStatistics?.sessions == 1)
        #expect(server.main.recoveryStatistics?.bufferedPackets == 1)
        server.performMaintenance(now: .now + .seconds(30))
        #expect(server.main.recoveryStatistics?.sessions == 1)
        server.performMaintenance(now: .now + .seconds(61))
        #expect(server.main.recoveryStatistics?.sessions == 0)
        #expect(server.main.recoveryStatistics?.bufferedPackets == 0)
        #expect(SocketIOServer().main.recoveryStatistics == nil)
    }

    @Test func recoveryBufferIsBounded() throws {
        let server = SocketIOServer(configuration: .init(connectionStateRecovery: .init(maximumBufferedPackets: 5)))
        for i in 0..<20 { server.emit("x", .int(Int64(i))) }
        #expect(server.main.recoveryStatistics?.bufferedPackets == 5)
    }
}
