import Logging
import NIOCore
import ServiceLifecycle
import SocketIO
import Testing

/// Runs an `EngineIOServer` in a `ServiceGroup` (no signals) so a test can trigger a graceful
/// shutdown; `body` gets the port, the delegate and a function that triggers the shutdown.
/// Returns how long the server took to stop after the trigger.
private func withShutdownServer(
    gracePeriod: Duration, delegate: EngineTestDelegate = EngineTestDelegate(echo: false),
    _ body: (_ port: Int, _ delegate: EngineTestDelegate, _ shutdown: () async -> Void) async throws -> Void
) async throws -> Duration {
    var logger = Logger(label: "engine-shutdown-test")
    logger.logLevel = .warning
    let endpoint = try EngineIOEndpoint(configuration: EngineIOConfiguration(path: "/engine.io/"), delegate: delegate, logger: logger)
    let server = EngineIOServer(
        host: "127.0.0.1", port: 0, endpoints: [endpoint], shutdownGracePeriod: gracePeriod, logger: logger)
    let group = ServiceGroup(services: [server], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let port = try await server.boundPort
            var shutdownStarted: ContinuousClock.Instant?
            try await body(port, delegate) {
                shutdownStarted = .now
                await group.triggerGracefulShutdown()
            }
            let started = try #require(shutdownStarted, "the test did not trigger the shutdown")
            try await tasks.waitForAll()
            #expect(endpoint.connectionCount == 0)
            return ContinuousClock.now - started
        } catch {
            tasks.cancelAll()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

@Suite("Engine.IO graceful shutdown", .timeLimit(.minutes(1)))
struct EngineShutdownTests {
    @Test func pollingClientBetweenPollsGetsTheClosePacket() async throws {
        let took = try await withShutdownServer(gracePeriod: .seconds(20)) { port, delegate, shutdown in
            let sid = try await engineOpenPollingSession(port: port)
            // Keep-alive connection of the client, idle between polls.
            try await EngineTestConnection.with(port: port) { connection in
                await shutdown()
                #expect(await delegate.waitForClose(sid) == .serverShutdown)
                // New sessions are refused meanwhile.
                let handshake = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling")
                #expect(handshake.status == 503)
                // The next poll collects the close packet.
                let poll = try await connection.request("GET", "/engine.io/?EIO=4&transport=polling&sid=\(sid)")
                #expect(poll.status == 200)
                #expect(poll.text == "1")
            }
        }
        // The server stopped once the close packet was collected, not after the grace period.
        #expect(took < .seconds(10))
    }

    @Test func v3PollingClientOnANewConnectionGetsTheClosePacket() async throws {
        let took = try await withShutdownServer(gracePeriod: .seconds(20)) { port, delegate, shutdown in
            let sid = try await engineOpenPollingSession(port: port, query: "EIO=3&b64=1")
            await shutdown()
            #expect(await delegate.waitForClose(sid) == .serverShutdown)
            let poll = try await EngineTestConnection.request(
                port: port, "GET", "/engine.io/?EIO=3&transport=polling&b64=1&sid=\(sid)")
            #expect(poll.text == "1:1")
        }
        #expect(took < .seconds(10))
    }

    @Test func pollingClientThatNeverComesBackHoldsShutdownOnlyForTheGracePeriod() async throws {
        let took = try await withShutdownServer(gracePeriod: .milliseconds(500)) { port, delegate, shutdown in
            let sid = try await engineOpenPollingSession(port: port)
            await shutdown()
            #expect(await delegate.waitForClose(sid) == .serverShutdown)
        }
        #expect(took >= .milliseconds(450))
        #expect(took < .seconds(10))
    }

    @Test func webSocketClientGetsClosePacketAndCloseFrame() async throws {
        let took = try await withShutdownServer(gracePeriod: .seconds(20)) { port, delegate, shutdown in
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                await shutdown()
                #expect(try await ws.readText() == "1")
                let close = try await ws.readFrame()
                #expect(close.isClose)
                #expect(close.bytes.prefix(2) == [0x03, 0xE9])  // 1001 going away
                #expect(await delegate.waitForClose(open.sid) == .serverShutdown)
                try await ws.readUntilClosed()
            }
        }
        #expect(took < .seconds(10))
    }
}
