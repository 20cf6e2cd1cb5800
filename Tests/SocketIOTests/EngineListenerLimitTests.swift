import ConnectionGuard
import NIOCore
import SocketIO
import TestSupport
import Testing

/// The engine's HTTP listener cuts off slow and silent peers and caps connections (issue 11).
@Suite struct EngineListenerLimitTests {
    private let short = HTTPRequestTimeouts(head: .milliseconds(300), body: .milliseconds(300))

    @Test func aHeadWithContentLengthAndThenSilenceIsClosedAfterTheBodyTimeout() async throws {
        try await withEngineServer(requestTimeouts: short) { port, _, _ in
            let start = ContinuousClock.now
            try await EngineTestConnection.with(port: port) { connection in
                try await connection.write("POST /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
                try await connection.readUntilClosed()
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(3))
        }
    }

    @Test func aHeadSentSlowlyIsClosedAtTheHeadDeadlineThoughBytesKeepComing() async throws {
        try await withEngineServer(requestTimeouts: short) { port, _, _ in
            let start = ContinuousClock.now
            let closed = try await EngineTestConnection.with(port: port) { connection in
                try await connection.write("GET /status HTTP/1.1\r\n")
                // One header line every 50 ms: an idle timer that any read resets never fires.
                for index in 0..<100 {
                    do {
                        try await connection.write("X-Slow-\(index): 1\r\n")
                    } catch {
                        return true
                    }
                    try await Task.sleep(for: .milliseconds(50))
                    if ContinuousClock.now - start > .seconds(2) { return false }
                }
                return false
            }
            #expect(closed)
            #expect(ContinuousClock.now - start < .seconds(2))
        }
    }

    @Test func aConnectionPastThePerAddressCapIsClosedTheOthersAreServed() async throws {
        let limiter = ConnectionLimiter(limits: ConnectionLimits(maxConnections: 100, maxConnectionsPerAddress: 2))
        try await withEngineServer(connectionLimiter: limiter) { port, _, _ in
            try await EngineTestConnection.with(port: port) { first in
                try await EngineTestConnection.with(port: port) { second in
                    // Both are admitted (answered) before the third connects.
                    #expect(try await first.request("GET", "/engine.io/?EIO=4&transport=polling").status == 200)
                    #expect(try await second.request("GET", "/engine.io/?EIO=4&transport=polling").status == 200)
                    // The third is closed at once, before it could send anything.
                    let closed = try await RawConnection.onThread {
                        try RawConnection(port: port).closedByPeer(within: 5)
                    }
                    #expect(closed)
                    #expect(try await first.request("GET", "/engine.io/?EIO=4&transport=polling").status == 200)
                    #expect(try await second.request("GET", "/engine.io/?EIO=4&transport=polling").status == 200)
                }
            }
            #expect(limiter.refusedConnections(.perAddress) == 1)
            // Closed connections give their slots back.
            #expect(await eventually { limiter.openConnections == 0 })
            #expect(try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling").status == 200)
        }
    }

    @Test func aHandshakePastTheSessionCapIsRefusedWith503AndCounted() async throws {
        let configuration = EngineIOConfiguration(path: "/engine.io/", maxSessions: 10, maxSessionsPerAddress: 2)
        try await withEngineServer(configuration) { port, endpoint, _ in
            // Polling handshakes hold no connection: one keep-alive connection could open any number.
            try await EngineTestConnection.with(port: port) { connection in
                #expect(try await connection.request("GET", "/engine.io/?EIO=4&transport=polling").status == 200)
                #expect(try await connection.request("GET", "/engine.io/?EIO=4&transport=polling").status == 200)
                let refused = try await connection.request("GET", "/engine.io/?EIO=4&transport=polling")
                #expect(refused.status == 503)
                #expect(refused.text == #"{"code":7,"message":"Too many sessions"}"#)
                let upgrade = try await connection.upgrade("/engine.io/?EIO=4&transport=websocket")
                #expect(upgrade.status == 503)
            }
            #expect(endpoint.refusedSessionCount == 2)
            #expect(endpoint.connectionCount == 2)
            endpoint.closeAll(reason: .transportClose)
            #expect(await eventually { endpoint.connectionCount == 0 })
            #expect(try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling").status == 200)
        }
    }

    @Test func aClientThatPingsAndNeverReadsIsDroppedAsASlowConsumer() async throws {
        let configuration = EngineIOConfiguration(path: "/engine.io/", maxQueuedBytes: 64 * 1024)
        try await withEngineServer(configuration) { port, endpoint, delegate in
            try await EngineTestConnection.with(port: port, receiveBufferSize: 4096) { connection in
                let upgrade = try await connection.upgrade("/engine.io/?EIO=4&transport=websocket")
                #expect(upgrade.status == 101)
                #expect(await eventually { !delegate.connections.isEmpty })
                let sid = try #require(delegate.connections.first?.id)
                // Pings of 125 bytes, 10 per write (1.3 KB of pongs each time, far below the queue
                // bound), until the server gives up on the client, which reads none of the pongs.
                // The kernel's buffers and the client's read buffer take 6 to 20 MB of pongs first
                // (51,000 to 159,000 pings in three runs; a fixed 40,000 failed under load), so
                // the bound is time, not a count.
                var payload = ByteBuffer()
                payload.writeRepeatingByte(0x61, count: 125)
                let ping = EngineTestConnection.maskedFrame(opcode: 0x9, payload: payload)
                var pings = ByteBuffer()
                for _ in 0..<10 { pings.writeImmutableBuffer(ping) }
                var sent = 0
                var sendError: (any Error)?
                let deadline = ContinuousClock.now.advanced(by: .seconds(60))
                while delegate.closeReason(sid) == nil, ContinuousClock.now < deadline {
                    do {
                        try await connection.write(pings)
                    } catch {
                        sendError = error
                        break
                    }
                    sent += 10
                }
                let reason = await delegate.waitForClose(sid)
                #expect(reason == .slowConsumer, "closed: \(String(describing: reason)); pings sent: \(sent), error: \(String(describing: sendError))")
            }
            #expect(await eventually { endpoint.connectionCount == 0 })
        }
    }
}
