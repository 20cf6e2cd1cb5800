import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// Issue 12: broker faults while ingestd consumes, with librdkafka's mock cluster so leader
/// changes and request errors are real protocol events. No record is lost or duplicated on the bus.
@Suite(.serialized) struct IngestBrokerFaultTests {
    @Test func leaderChangesFetchErrorsAndABrokerRestartLoseAndDuplicateNothing() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        try MockClusterFaultDrill.prepare(cluster, topic: "faulty")
        let producer = try KafkaProducer(bootstrapServers: cluster.bootstrapServers, properties: ["linger.ms": "1"])
        let context = try ZMQContext()
        let ingestd = try IngestdProcess(bootstrapServers: cluster.bootstrapServers, group: "faults",
                                         environment: ["KAFKA_PROPERTY_LOG__LEVEL": "4"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)

        let total = try MockClusterFaultDrill.run(cluster, producer: producer, topic: "faulty")
        let records = try await tap.collect(timeout: 60) { records in
            Set(records.map { "\($0.partition):\($0.offset)" }).count >= total
        }.filter { $0.topic == "faulty" }
        let values = Set(records.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } })
        #expect(values == Set((0..<total).map { "{\"n\":\($0)}" }), "ingestd log:\n\(ingestd.process.output.suffix(4000))")
        #expect(records.count == total, "no duplicate")
        for partition in Int32(0)..<2 {
            let offsets = records.filter { $0.partition == partition }.map(\.offset)
            #expect(offsets == Array(0..<Int64(offsets.count)), "partition \(partition) in order, complete")
        }
        #expect(records.filter { $0.partition == 0 }.count == 200)
        #expect(ingestd.process.isRunning)
    }

    /// Records deleted by retention before a REPLAY asks for them, and a REPLAY past a
    /// partition's end (the topic was recreated or truncated), are said in the reply (GAP) and
    /// counted; the reply holds everything Kafka still has. The mock cluster keeps about 5 MB per
    /// partition, so 300 records of 100 KB push its log start past offset 200.
    @Test func aReplayOfDeletedRecordsSaysSo() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("retained", partitions: 1)
        let producer = try KafkaProducer(bootstrapServers: cluster.bootstrapServers, properties: ["linger.ms": "1"])
        let padding = String(repeating: "x", count: 100_000)
        for n in 0..<300 {
            try producer.send(topic: "retained", value: Array("{\"n\":\(n),\"pad\":\"\(padding)\"}".utf8), partition: 0)
            if n % 20 == 19 { try producer.flush() }
        }
        try producer.flush()
        let ingestd = try IngestdProcess(bootstrapServers: cluster.bootstrapServers, group: "retention")
        try await ingestd.waitUntilReady()
        let context = try ZMQContext()

        let fromStart = try await ingestd.request(.replay(BusReplayOffsets(["retained": [0: 0]])), context: context)
        let first = try #require(fromStart.records.first?.offset)
        #expect(first > 200, "the log start moved")
        #expect(fromStart.records.map(\.offset) == Array(first..<300), "everything Kafka still holds, once")
        #expect(fromStart.gaps == [BusReplayGap(topic: "retained", partition: 0, requested: 0, available: first, kind: .deleted)])
        #expect(fromStart.gaps.first?.lostOffsets == first)

        let pastTheEnd = try await ingestd.request(.replay(BusReplayOffsets(["retained": [0: 5_000]])), context: context)
        #expect(pastTheEnd.gaps == [BusReplayGap(topic: "retained", partition: 0, requested: 5_000, available: first, kind: .rewound)])
        #expect(pastTheEnd.records.map(\.offset) == Array(first..<300))

        let inRange = try await ingestd.request(.replay(BusReplayOffsets(["retained": [0: 290]])), context: context)
        #expect(inRange.gaps.isEmpty)
        #expect(inRange.records.map(\.offset) == Array(290..<300))

        #expect(await ingestd.metric("ingest_replay_gaps_total{kind=\"deleted\"}") == 1)
        #expect(await ingestd.metric("ingest_replay_gaps_total{kind=\"rewound\"}") == 1)
        #expect(ingestd.process.isRunning)
    }
}
