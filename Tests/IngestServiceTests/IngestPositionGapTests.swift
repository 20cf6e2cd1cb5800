import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// Issue 12: when Kafka no longer holds ingestd's position in a partition, ingestd does not skip
/// to the end (librdkafka's `auto.offset.reset=latest` did): records deleted by retention while
/// it was behind are counted and logged, and it continues at the log start.
@Suite(.serialized) struct IngestPositionGapTests {
    /// ingestd stopped (SIGSTOP) while the mock cluster's retention (about 5 MB per partition)
    /// deletes the records after its position.
    @Test func recordsDeletedWhileIngestdWasBehindAreCountedAndTheRestPublished() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("retained", partitions: 1)
        let producer = try KafkaProducer(bootstrapServers: cluster.bootstrapServers, properties: ["linger.ms": "1"])
        let context = try ZMQContext()
        let ingestd = try IngestdProcess(bootstrapServers: cluster.bootstrapServers, group: "behind")
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)
        let padding = String(repeating: "x", count: 100_000)
        func send(_ range: Range<Int>) throws {
            for n in range {
                try producer.send(topic: "retained", value: Array(#"{"n":\#(n),"pad":"\#(padding)"}"#.utf8), partition: 0)
                if n % 20 == 19 { try producer.flush() }
            }
            try producer.flush()
        }
        try send(0..<10)
        _ = try await tap.collect(timeout: 20) { $0.filter { $0.topic == "retained" }.count >= 10 }

        let pid = ingestd.process.process.processIdentifier
        kill(pid, SIGSTOP)
        try send(10..<300)
        kill(pid, SIGCONT)
        let records = try await tap.collect(timeout: 30) { records in
            records.contains { $0.topic == "retained" && $0.offset == 299 }
        }.filter { $0.topic == "retained" }
        let offsets = records.map(\.offset)
        let resumed = try #require(offsets.dropFirst(10).first, "ingestd log:\n\(ingestd.process.output.suffix(3000))")
        #expect(resumed > 200, "resumed at the log start")
        #expect(offsets == Array(0..<10) + Array(resumed..<300), "nothing Kafka holds is skipped, nothing twice")
        #expect(await ingestd.metric("ingest_position_gaps_total{kind=\"deleted\"}") == 1)
        #expect(await ingestd.metric("ingest_deleted_offsets_total") == Double(resumed - 10))
        #expect(ingestd.process.output.contains("were deleted from Kafka before ingestd read them"))
    }
}
