import ConnectionGuard
import NIOCore
import NIOEmbedded
import Testing

@Suite struct ConnectionLimiterTests {
    @Test func theTotalAndPerAddressCapsHoldAndReleasedSlotsAreReused() throws {
        let refusals = Recorded<ConnectionRefusal>()
        let limiter = ConnectionLimiter(limits: ConnectionLimits(maxConnections: 3, maxConnectionsPerAddress: 2)) { reason, _ in
            refusals.append(reason)
        }
        let a1 = try limiter.admit(address: "10.0.0.1").get()
        _ = try limiter.admit(address: "10.0.0.1").get()
        #expect(throws: ConnectionRefusalError(reason: .perAddress)) { try limiter.admit(address: "10.0.0.1").get() }
        _ = try limiter.admit(address: "10.0.0.2").get()
        #expect(throws: ConnectionRefusalError(reason: .total)) { try limiter.admit(address: "10.0.0.3").get() }
        limiter.release(a1)
        #expect(limiter.openConnections == 2)
        _ = try limiter.admit(address: "10.0.0.1").get()
        #expect(refusals.values == [.perAddress, .total])
        #expect(limiter.refusedConnections(.perAddress) == 1)
        #expect(limiter.refusedConnections(.total) == 1)
    }

    @Test func theHandlerClosesARefusedConnectionAndReleasesOnClose() throws {
        let limiter = ConnectionLimiter(limits: ConnectionLimits(maxConnections: 10, maxConnectionsPerAddress: 1))
        let address = try SocketAddress(ipAddress: "192.0.2.7", port: 4000)
        let first = EmbeddedChannel(handler: limiter.handler())
        first.remoteAddress = address
        try first.connect(to: address).wait()
        #expect(first.isActive && limiter.openConnections == 1)

        let second = EmbeddedChannel(handler: limiter.handler())
        second.remoteAddress = address
        try second.connect(to: address).wait()
        #expect(!second.isActive)
        #expect(limiter.openConnections == 1)

        _ = try first.finish()
        #expect(limiter.openConnections == 0)
    }
}
