import Bus
import Foundation
import Testing
import ZeroMQ

/// Client counts of subscriber replicas over the bus: PRESENCE requests, the publisher's table,
/// and the presence control message a subscriber receives.
@Suite("Bus presence")
struct BusPresenceTests {
    @Test func presenceRequestRoundTripsAndOldKindsStillParse() throws {
        let report = BusPresenceReport(replica: "rt-1", clients: 12, ttlMilliseconds: 3000)
        let request = BusRequest.presence(report)
        #expect(try BusRequest(frames: request.frames) == request)
        #expect(try BusRequest(frames: [Array("SNAPSHOT".utf8), []]) == .snapshot(topicPrefix: ""))
    }

    @Test(arguments: [#"{"replica":"","clients":1,"ttl_ms":1}"#, #"{"replica":"a","clients":-1,"ttl_ms":1}"#,
                      #"{"replica":"a","clients":1,"ttl_ms":-5}"#, #"{"replica":"a"}"#, "[]", "not json"])
    func malformedReportsAreRefused(json: String) {
        #expect(throws: BusProtocolError.self) { try BusRequest(frames: [Array("PRESENCE".utf8), Array(json.utf8)]) }
    }

    @Test func wrongFrameCountIsRefused() {
        #expect(throws: BusProtocolError.self) { try BusRequest(frames: [Array("PRESENCE".utf8)]) }
    }

    @Test func tableExpiresSilentReplicasAndPublishesChanges() throws {
        let table = BusPresenceTable(republishInterval: .seconds(1))
        let start = ContinuousClock.now
        #expect(table.due(now: start) == nil)
        try table.report(.init(replica: "a", clients: 2, ttlMilliseconds: 1000), now: start)
        try table.report(.init(replica: "b", clients: 3, ttlMilliseconds: 5000), now: start)
        #expect(table.due(now: start)?.replicas == ["a": 2, "b": 3])
        #expect(table.due(now: start + .milliseconds(100)) == nil, "nothing changed, not yet periodic")
        try table.report(.init(replica: "b", clients: 4, ttlMilliseconds: 5000), now: start + .milliseconds(200))
        #expect(table.due(now: start + .milliseconds(200))?.totalClients == 6)
        // a stops reporting: gone after its ttl.
        #expect(table.due(now: start + .milliseconds(1100))?.replicas == ["b": 4])
        // Withdrawn with ttl 0.
        try table.report(.init(replica: "b", clients: 0, ttlMilliseconds: 0), now: start + .milliseconds(1200))
        #expect(table.due(now: start + .milliseconds(1200))?.replicas == [:])
        #expect(table.due(now: start + .seconds(5)) == nil, "an empty table is not republished")
    }

    @Test func subscriberReceivesPresenceMessagesAndStillFollowsRecords() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 7)
        let cache = InMemoryBusCache(epoch: 7)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let subscriber = try BusSubscriber(configuration: .init(
            publisherEndpoint: publisher.boundEndpoint, snapshotEndpoint: server.boundEndpoint), context: context)
        let presence = Recorder<BusPresence>()
        let events = Recorder<BusSubscriberEvent>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask { try await subscriber.run() }
            group.addTask { for await event in subscriber.events { events.append(event) } }
            group.addTask { for await message in subscriber.presence { presence.append(message) } }
            defer { group.cancelAll() }
            try await waitUntil("snapshot") { events.count >= 1 }
            // The SUB may connect after the snapshot: keep publishing until a message arrives.
            try await waitUntil("presence") {
                try publisher.publishPresence(BusPresence(replicas: ["a": 1, "b": 2]))
                return presence.count > 0
            }
            #expect(presence.all.last == BusPresence(replicas: ["a": 1, "b": 2]))
            let record = BusRecord(topic: "t", partition: 0, offset: 0, key: nil, value: Array("1".utf8), sequence: 1, epoch: 7)
            try publisher.publish(record)
            cache.add(record)
            try await waitUntil("record") {
                events.all.contains { if case .records(let records) = $0 { records.contains(record) } else { false } }
                    || events.all.count > 2
            }
            #expect(subscriber.malformedMessages == 0)
        }
    }

    @Test func malformedPresenceMessageIsCountedNotFatal() throws {
        #expect(throws: BusProtocolError.self) {
            try BusPresence(frames: [[], Array("PRESENCE".utf8), Array("{".utf8)])
        }
        #expect(!BusPresence.isPresence([[], Array("PRESENCE".utf8)]))
        let message = BusPresence(replicas: ["x": 5])
        #expect(try BusPresence(frames: [[], Array("PRESENCE".utf8), message.json]) == message)
    }

    /// The consumer lag per topic rides along (issue 19, freshness); a message without it (an
    /// older ingestd) reads as no lag, a negative lag is malformed.
    @Test func consumerLagRidesAlongAndOlderMessagesStillRead() throws {
        let message = BusPresence(replicas: ["rt-1": 3], lag: ["buyOffer": 12, "stcs.solar": 0])
        #expect(try BusPresence(frames: [[], Array("PRESENCE".utf8), message.json]) == message)
        let older = try BusPresence(frames: [[], Array("PRESENCE".utf8), Array(#"{"replicas":{"a":1}}"#.utf8)])
        #expect(older.lag.isEmpty && older.replicas == ["a": 1])
        #expect(throws: BusProtocolError.self) {
            try BusPresence(frames: [[], Array("PRESENCE".utf8), Array(#"{"replicas":{},"lag":{"t":-1}}"#.utf8)])
        }
    }

    /// A sharded ingestd names its shard, so subscribers add the lags of different shards; an
    /// unsharded one (and an older one) names none.
    @Test func theShardRidesAlongWhenSet() throws {
        let sharded = BusPresence(replicas: [:], lag: ["t": 2], shard: "1/2")
        #expect(try BusPresence(frames: [[], Array("PRESENCE".utf8), sharded.json]) == sharded)
        #expect(!String(decoding: BusPresence(replicas: [:], lag: ["t": 2]).json, as: UTF8.self).contains("shard"))
        #expect(try BusPresence(frames: [[], Array("PRESENCE".utf8), Array(#"{"replicas":{}}"#.utf8)]).shard == nil)
        #expect(throws: BusProtocolError.self) {
            try BusPresence(frames: [[], Array("PRESENCE".utf8), Array(#"{"replicas":{},"shard":""}"#.utf8)])
        }
    }
}
