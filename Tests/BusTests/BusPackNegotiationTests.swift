import Bus
import Foundation
import Testing
import ZeroMQ

/// The publisher sends packs only while every subscriber announced that it reads them; a
/// subscriber older than packs gets every record one by one, from the first record published
/// after its subscription took effect.
@Suite("Bus pack negotiation")
struct BusPackNegotiationTests {
    static func record(_ sequence: UInt64) -> BusRecord {
        BusRecord(topic: "t", partition: 0, offset: Int64(sequence), key: nil, value: Array("\(sequence)".utf8),
                  sequence: sequence, epoch: 5)
    }

    /// A raw SUB socket subscribed to everything, announcing packs or not.
    static func subscriber(_ publisher: BusPublisher, _ context: ZMQContext, readsPacks: Bool) throws -> ZMQSocket {
        let socket = try ZMQSocket(context: context, type: .sub)
        try socket.setLinger(milliseconds: 0)
        try socket.subscribe("")
        if readsPacks { try socket.subscribe(BusSubscriptionCensus.packsAnnouncement(for: [])) }
        try socket.connect(publisher.boundEndpoint)
        return socket
    }

    /// Receives until `count` records arrived: each message's records, and whether it was a pack.
    static func receive(_ count: Int, from socket: ZMQSocket) throws -> [(pack: Bool, records: [BusRecord])] {
        var messages: [(pack: Bool, records: [BusRecord])] = []
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while messages.reduce(0, { $0 + $1.records.count }) < count, ContinuousClock.now < deadline {
            guard let frames = try socket.receiveMultipart(timeout: .milliseconds(100)), !BusHeartbeat.isHeartbeat(frames) else {
                continue
            }
            if BusRecordPack.isPack(frames) {
                messages.append((true, try BusRecordPack.records(from: frames)))
            } else {
                messages.append((false, [try BusRecord(liveFrames: frames)]))
            }
        }
        return messages
    }

    /// Receives the records `sequences` from `socket` and checks they came as one pack, or one by
    /// one.
    static func expectReceived(_ sequences: ClosedRange<UInt64>, asPack: Bool, from socket: ZMQSocket,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        let messages = try receive(sequences.count, from: socket)
        #expect(messages.map(\.pack) == (asPack ? [true] : Array(repeating: false, count: sequences.count)),
                sourceLocation: sourceLocation)
        #expect(messages.flatMap(\.records) == sequences.map(record), sourceLocation: sourceLocation)
    }

    /// Applies subscriptions until `holders` subscribers subscribed to everything.
    static func waitForHolders(_ holders: Int, _ publisher: BusPublisher) async throws {
        try await waitUntil("\(holders) subscriber(s) applied") {
            publisher.applySubscriptions()
            return publisher.subscriptions.holders(of: []) == holders
        }
    }

    @Test func anOlderSubscriberTurnsPacksOffUntilItLeaves() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 5)
        let current = try Self.subscriber(publisher, context, readsPacks: true)
        try await Self.waitForHolders(1, publisher)
        #expect(publisher.everySubscriberReadsPacks)
        #expect(try publisher.publish(packed: (1...3).map(Self.record)[...]))
        try Self.expectReceived(1...3, asPack: true, from: current)

        let older = try Self.subscriber(publisher, context, readsPacks: false)
        try await Self.waitForHolders(2, publisher)
        #expect(!publisher.everySubscriberReadsPacks)
        #expect(try !publisher.publish(packed: (4...6).map(Self.record)[...]), "sent one by one")
        // The older subscriber gets nothing published before its subscription took effect.
        for socket in [current, older] { try Self.expectReceived(4...6, asPack: false, from: socket) }

        older.close()
        try await Self.waitForHolders(1, publisher)
        #expect(publisher.everySubscriberReadsPacks)
        #expect(try publisher.publish(packed: (7...9).map(Self.record)[...]))
        try Self.expectReceived(7...9, asPack: true, from: current)
        #expect(publisher.lastSequence == 9)
        current.close()
    }

    /// A peer that sends anything but subscriptions upstream (an XSUB may) is counted and
    /// ignored; the subscriptions around it still count.
    @Test func messagesThatAreNotSubscriptionsAreCounted() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 5)
        let peer = try ZMQSocket(context: context, type: .xsub)
        try peer.setLinger(milliseconds: 0)
        try peer.connect(publisher.boundEndpoint)
        _ = try peer.send([[0x05, 0x61]])
        _ = try peer.send([[1]])
        _ = try peer.send([[]])
        try await waitUntil("the messages read") {
            publisher.applySubscriptions()
            return publisher.malformedSubscriptionMessages == 2 && publisher.subscriptions.holders(of: []) == 1
        }
        #expect(!publisher.everySubscriberReadsPacks)
        _ = try peer.send([[1] + BusSubscriptionCensus.packsAnnouncement(for: [])])
        try await waitUntil("the announcement read") {
            publisher.applySubscriptions()
            return publisher.everySubscriberReadsPacks
        }
        #expect(publisher.malformedSubscriptionMessages == 2)
        peer.close()
    }

    /// `BusSubscriber` announces packs: a publisher with only such subscribers sends them.
    @Test func theSwiftSubscriberAnnouncesPacks() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 5)
        let cache = InMemoryBusCache(epoch: 5)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let subscriber = try BusSubscriber(configuration: BusSubscriberTests.configuration(publisher, server), context: context)
        try await BusSubscriberTests.following([subscriber], server: server) { _ in
            try await Self.waitForHolders(1, publisher)
            #expect(publisher.everySubscriberReadsPacks)
        }
    }
}
