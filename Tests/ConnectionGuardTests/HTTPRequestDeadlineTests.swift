import ConnectionGuard
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@Suite struct HTTPRequestDeadlineTests {
    private let timeouts = HTTPRequestTimeouts(head: .seconds(60), body: .seconds(30))
    private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test func aConnectionMustCompleteItsHeadWithinTheHeadTimeoutWhateverItReads() {
        var deadline = HTTPRequestDeadline(timeouts: timeouts, now: start)
        #expect(deadline.initialAction == .schedule(start + .seconds(60)))
        #expect(deadline.check(now: start + .seconds(59)) == .schedule(start + .seconds(60)))
        #expect(deadline.check(now: start + .seconds(60)) == .close(.head))
        #expect(deadline.phase == .expired)
    }

    @Test func theBodyIsDueFromTheHeadAndAnAnswerStopsTheClock() {
        var deadline = HTTPRequestDeadline(timeouts: timeouts, now: start)
        #expect(deadline.headReceived(now: start + .seconds(1)) == .schedule(start + .seconds(31)))
        #expect(deadline.check(now: start + .seconds(31)) == .close(.body))

        var answered = HTTPRequestDeadline(timeouts: timeouts, now: start)
        _ = answered.headReceived(now: start)
        #expect(answered.endReceived() == .cancel)
        // A parked poll: no deadline however long the answer takes.
        #expect(answered.check(now: start + .seconds(3600)) == .none)
        #expect(answered.answerSent(now: start + .seconds(3600)) == .schedule(start + .seconds(3660)))
        #expect(answered.check(now: start + .seconds(3660)) == .close(.head))
    }

    @Test func theHandlerClosesASilentConnectionOnTheLoopsClock() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let kinds = Recorded<HTTPRequestTimeoutKind>()
        try channel.pipeline.syncOperations.addHandler(
            HTTPRequestDeadlineHandler<HTTPServerRequestPart, HTTPServerResponsePart>(
                timeouts: HTTPRequestTimeouts(head: .seconds(5), body: .seconds(2)),
                onTimeout: { kinds.append($0) }))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")))
        loop.advanceTime(by: .seconds(1))
        #expect(channel.isActive)
        loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(kinds.values == [.body])
    }
}
