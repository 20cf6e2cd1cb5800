import Bus
import Testing
import ZeroMQ

@Suite("Bus publisher")
struct BusPublisherTests {
    @Test func stampsEpochAndConsecutiveSequences() throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 77)
        #expect(publisher.lastSequence == 0)
        let first = try publisher.publish(topic: "t", partition: 1, offset: 10, timestamp: 5, key: nil, value: [0x31])
        let second = try publisher.publish(topic: "t", partition: 1, offset: 11, timestamp: 6, key: nil, value: nil)
        #expect(first.epoch == 77 && first.sequence == 1)
        #expect(second.epoch == 77 && second.sequence == 2)
        #expect(publisher.lastSequence == 2)
        #expect(publisher.boundEndpoint.hasPrefix("tcp://127.0.0.1:"))
        #expect(try BusPublisher(endpoint: randomLoopback, context: context).epoch != 0)
    }

    @Test func randomEpochsDiffer() throws {
        let context = try ZMQContext()
        let a = try BusPublisher(endpoint: randomLoopback, context: context)
        let b = try BusPublisher(endpoint: randomLoopback, context: context)
        #expect(a.epoch != b.epoch)
    }

    @Test func deliversToPrefixFilteredSubscriber() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        let sub = try ZMQSocket(context: context, type: .sub)
        try sub.subscribe("orders.")
        try sub.connect(publisher.boundEndpoint)

        // The subscription reaches the publisher asynchronously: publish until one arrives.
        var received: [BusRecord] = []
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while received.isEmpty && ContinuousClock.now < deadline {
            try publisher.publish(topic: "payments.x", partition: 0, offset: 0, timestamp: -1, key: nil, value: [0x31])
            try publisher.publish(topic: "orders.eu", partition: 2, offset: 9, timestamp: 123,
                                  key: Array(#""k""#.utf8), value: Array(#"{"a":1}"#.utf8))
            if let frames = try sub.receiveMultipart(timeout: .milliseconds(20)) {
                received.append(try BusRecord(liveFrames: frames))
            }
        }
        let first = try #require(received.first)
        #expect(first.topic == "orders.eu")
        #expect(first.partition == 2 && first.offset == 9 && first.timestamp == 123)
        #expect(first.key == Array(#""k""#.utf8) && first.value == Array(#"{"a":1}"#.utf8))
        #expect(first.epoch == publisher.epoch && first.sequence % 2 == 0)

        // Everything after the first delivery also matches the filter, in order and without gaps
        // among the matching messages.
        for offset in 10..<20 {
            try publisher.publish(topic: "payments.x", partition: 0, offset: Int64(offset), timestamp: -1, key: nil, value: nil)
            try publisher.publish(topic: "orders.us", partition: 0, offset: Int64(offset), timestamp: -1, key: nil, value: nil)
        }
        var later: [BusRecord] = []
        while later.count < 10, let frames = try sub.receiveMultipart(timeout: .seconds(5)) {
            let record = try BusRecord(liveFrames: frames)
            if record.sequence > first.sequence + 1 { later.append(record) }
        }
        #expect(later.count == 10)
        #expect(later.allSatisfy { $0.topic.hasPrefix("orders.") })
        #expect(later.map(\.offset) == Array(10..<20))
    }

    @Test func countsConnectedSubscribers() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        #expect(publisher.subscriberCount == 0)
        let first = try ZMQSocket(context: context, type: .sub)
        try first.connect(publisher.boundEndpoint)
        let second = try ZMQSocket(context: context, type: .sub)
        try second.connect(publisher.boundEndpoint)
        try await waitUntil("two subscribers") {
            publisher.processEvents()
            return publisher.subscriberCount == 2
        }
        first.close()
        try await waitUntil("one subscriber") {
            publisher.processEvents()
            return publisher.subscriberCount == 1
        }
    }

    @Test func bindConflictIsAClearError() throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        #expect(throws: ZMQError.self) {
            _ = try BusPublisher(endpoint: publisher.boundEndpoint, context: context)
        }
    }
}
