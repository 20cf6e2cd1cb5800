import Foundation
import Testing
import ZeroMQ

@Suite("ZeroMQ wrapper")
struct ZeroMQTests {
    @Test func wildcardBindReportsRealPort() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .pull)
        try socket.bind(randomLoopback)
        let endpoint = try socket.lastEndpoint()
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(Int(endpoint.split(separator: ":").last ?? "") ?? 0 > 0)
        try socket.unbind(endpoint)
    }

    @Test func multipartRoundTripWithEmptyFrames() throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind(randomLoopback)
        let push = try ZMQSocket(context: context, type: .push)
        try push.connect(try pull.lastEndpoint())
        let frames: [[UInt8]] = [Array("a".utf8), [], [0, 1, 2, 255], Array(repeating: 7, count: 100_000)]
        try push.send(frames)
        #expect(try pull.receiveMultipart(timeout: .seconds(5)) == frames)
    }

    @Test func nonBlockingReceiveReturnsNilAndTimeoutExpires() throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind(randomLoopback)
        #expect(try pull.receiveMultipart(dontWait: true) == nil)
        let start = ContinuousClock.now
        #expect(try pull.receiveMultipart(timeout: .milliseconds(100)) == nil)
        #expect(ContinuousClock.now - start >= .milliseconds(90))
    }

    @Test func nonBlockingSendWithoutPeerReportsWouldBlock() throws {
        let context = try ZMQContext()
        let push = try ZMQSocket(context: context, type: .push)
        try push.setImmediate(true)  // queue only to completed connections
        try push.connect("tcp://127.0.0.1:1")  // nobody listens there
        #expect(try push.send([[1]], dontWait: true) == false)
    }

    @Test func prefixSubscriptionFilters() async throws {
        let context = try ZMQContext()
        let pub = try ZMQSocket(context: context, type: .pub)
        try pub.bind(randomLoopback)
        let sub = try ZMQSocket(context: context, type: .sub)
        try sub.subscribe("keep")
        try sub.connect(try pub.lastEndpoint())
        // Subscriptions propagate asynchronously: publish until the first one arrives.
        var first: [[UInt8]]?
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while first == nil && ContinuousClock.now < deadline {
            try pub.send([Array("drop.me".utf8), [1]])
            try pub.send([Array("keep.me".utf8), [2]])
            first = try sub.receiveMultipart(timeout: .milliseconds(20))
        }
        #expect(first == [Array("keep.me".utf8), [2]])
        while let frames = try sub.receiveMultipart(timeout: .milliseconds(50)) {
            #expect(frames[0] == Array("keep.me".utf8))
        }
    }

    @Test func pollerWakesOnEventFD() throws {
        let context = try ZMQContext()
        let pull = try ZMQSocket(context: context, type: .pull)
        try pull.bind(randomLoopback)
        let wakeup = try WakeupEvent()
        var poller = ZMQPoller()
        let socketIndex = poller.add(pull, events: .readable)
        let wakeupIndex = poller.add(fileDescriptor: wakeup.fileDescriptor, events: .readable)
        #expect(try poller.poll(timeout: .milliseconds(10)) == 0)
        let signaller = Thread { wakeup.signal() }
        signaller.start()
        #expect(try poller.poll(timeout: .seconds(10)) == 1)
        #expect(poller.isReadable(wakeupIndex) && !poller.isReadable(socketIndex))
        wakeup.drain()
        #expect(try poller.poll(timeout: .zero) == 0)
    }

    @Test func errorsCarryErrnoAndText() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .pub)
        do {
            try socket.bind("nonsense://x")
            Issue.record("bind accepted a bad endpoint")
        } catch {
            #expect(error.code == EPROTONOSUPPORT)
            #expect(error.description.contains("bind nonsense://x"))
            #expect(error.description.contains(error.message))
        }
        let first = try ZMQSocket(context: context, type: .pub)
        try first.bind(randomLoopback)
        do {
            try socket.bind(try first.lastEndpoint())
            Issue.record("bound the same port twice")
        } catch {
            #expect(error.code == EADDRINUSE)
        }
    }

    @Test func closedSocketThrowsInsteadOfCrashing() throws {
        let context = try ZMQContext()
        let socket = try ZMQSocket(context: context, type: .pub)
        socket.close()
        socket.close()
        #expect(socket.isClosed)
        #expect(throws: ZMQError(code: ENOTSOCK, operation: "bind tcp://127.0.0.1:*")) {
            try socket.bind(randomLoopback)
        }
        var poller = ZMQPoller()
        poller.add(socket, events: .readable)
        #expect(throws: ZMQError.self) { try poller.poll(timeout: .zero) }
    }
}
