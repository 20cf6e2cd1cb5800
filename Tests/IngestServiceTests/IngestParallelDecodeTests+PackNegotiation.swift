import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// ingestd with its default `BUS_PACK_RECORDS`: records travel in packs while every subscriber
/// announces that it reads them; a subscriber older than packs turns them off while it is
/// connected and gets every record one by one.
extension IngestParallelDecodeTests {
    func produceNumbered(_ numbers: Range<Int>) throws {
        for n in numbers { try producer.send(topic: "neg", value: Array(#"{"n":\#(n)}"#.utf8), partition: 0) }
        try producer.flush()
    }

    func packsActive(_ ingestd: IngestdProcess, _ expected: Double) async -> Bool {
        await eventually(timeout: 10) { await ingestd.metric("ingest_bus_packs_active") == expected }
    }

    @Test func anOlderSubscriberGetsSingleRecordsWhileItIsConnected() async throws {
        try producer.createTopics(["neg"], partitions: 1)
        let ingestd = try IngestdProcess(broker: broker, group: "negotiation", environment: [
            "ALLOWED_TOPICS_REGEX": "^neg$", "TOPIC_FORMATS": ".*=json", "LOGGING_LEVEL": "INFO"])
        try await ingestd.waitUntilReady()
        let current = try BusTap(endpoint: ingestd.publishEndpoint, context: context, readsPacks: true)
        try await ingestd.waitForBusSubscribers(1)
        #expect(await packsActive(ingestd, 1), "one subscriber, which reads packs")
        try produceNumbered(0..<1000)
        try await current.collect(timeout: 30) { $0.count >= 1000 }
        #expect(!current.packs.isEmpty)

        let older = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(2)
        #expect(await packsActive(ingestd, 0), "a subscriber older than packs joined")
        let packsBefore = current.packs.count
        try produceNumbered(1000..<2000)
        let olderRecords = try await older.collect(timeout: 30) { $0.count >= 1000 }
        #expect(older.packs.isEmpty)
        #expect(olderRecords.map(\.offset) == (1000..<2000).map(Int64.init), "every record from its first, one by one")
        try await current.collect(timeout: 30) { $0.count >= 2000 }
        #expect(current.packs.count == packsBefore, "no pack while the older subscriber is there")

        older.close()
        #expect(await packsActive(ingestd, 1), "the older subscriber left")
        try produceNumbered(2000..<3000)
        let all = try await current.collect(timeout: 30) { $0.count >= 3000 }
        #expect(current.packs.count > packsBefore)
        #expect(all.map(\.offset) == (0..<3000).map(Int64.init))
        let sequences = all.map(\.sequence)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 + 1 }, "no gap for the subscriber that stayed")
        #expect(ingestd.process.isRunning)
    }
}
