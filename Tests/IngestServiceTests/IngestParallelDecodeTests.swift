import Avro
import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// ingestd decoding on several threads, against a real broker: every partition's records leave in
/// Kafka's order, on the bus and in the cache, and none is lost or published twice.
@Suite(.serialized) struct IngestParallelDecodeTests {
    let broker: TansuBroker
    let producer: KafkaProducer
    let context: ZMQContext

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "5"])
        context = try ZMQContext()
    }

    static let schemaPath = TestEnvironment.fixture("kafka.timestamp-data.avsc").path

    /// The `timestamp` field of a decoded DataRecord (the index it was produced with).
    func index(_ record: BusRecord) -> Int? {
        guard let value = record.value,
              let object = try? JSONSerialization.jsonObject(with: Data(value)) as? NSDictionary,
              let timestamp = object["timestamp"] as? Double else { return nil }
        return Int(timestamp)
    }

    @Test func partitionsKeepTheirOrderAndEveryRecordArrivesOnce() async throws {
        let partitions = 4
        let total = 12_000
        try producer.createTopics(["par.avro"], partitions: Int32(partitions))
        let ingestd = try IngestdProcess(broker: broker, group: "parallel", environment: [
            "ALLOWED_TOPICS_REGEX": "^par\\.", "TOPIC_FORMATS": "^par\\.=avro:\(Self.schemaPath)", "DECODE_THREADS": "3", "HISTORY_SIZE": "2000",
            "LOGGING_LEVEL": "INFO"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context, prefix: "par.")
        try await ingestd.waitForBusSubscribers(1)

        // Index i goes to partition i % 4; every 500th record (from 7) is not Avro.
        let encoder = try AvroEncoder(schema: try AvroSchema(contentsOfFile: Self.schemaPath))
        var expected = [[Int]](repeating: [], count: partitions)  // good indices per partition, in order
        var bad = 0
        for index in 0..<total {
            let partition = index % partitions
            if index % 500 == 7 {
                try producer.send(topic: "par.avro", value: [0x01, 0x02, 0x03], partition: Int32(partition))
                bad += 1
            } else {
                let value = try encoder.encode(.record([
                    ("timestamp", .double(Double(index))),
                    ("data", .map([(key: "v", value: .union(branch: 4, .int(Int32(index))))]))]))
                try producer.send(topic: "par.avro", value: value, partition: Int32(partition))
                expected[partition].append(index)
            }
        }
        try producer.flush()
        let good = total - bad

        let records = try await tap.collect(timeout: 60) { $0.count >= good }
        #expect(records.count == good, "ingestd log:\n\(ingestd.process.output.suffix(3000))")
        for partition in 0..<partitions {
            let mine = records.filter { $0.partition == Int32(partition) }
            #expect(mine.map { index($0) } == expected[partition].map { Optional($0) }, "partition \(partition)")
            // Offsets grow, skipping exactly the bad records.
            #expect(mine.map(\.offset) == expected[partition].map { Int64($0 / partitions) }, "partition \(partition)")
        }
        #expect(Set(records.map(\.epoch)).count == 1)
        let sequences = records.map(\.sequence)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 + 1 })

        let counted = await eventually(timeout: 5) {
            let failed = await ingestd.metric("ingest_records_failed_total{topic=\"par.avro\"}")
            let published = await ingestd.metric("ingest_records_published_total{topic=\"par.avro\"}")
            let consumed = await ingestd.metric("ingest_records_consumed_total{topic=\"par.avro\"}")
            return failed == Double(bad) && published == Double(good) && consumed == Double(total)
        }
        #expect(counted)

        // The cache: the topic's last 2000 records as published (librdkafka hands partitions over
        // in runs, so some partitions may have none of them), each partition in Kafka's order,
        // consistent with the last sequence on the bus.
        let snapshot = try await ingestd.request(.snapshot(topicPrefix: "par."), context: context)
        #expect(snapshot.records.count == 2000)
        #expect(snapshot.end.sequence == sequences.last)
        let lastPublished = records.suffix(2000)
        for partition in 0..<partitions {
            let cached = snapshot.records.filter { $0.partition == Int32(partition) }.map(\.offset)
            #expect(cached == lastPublished.filter { $0.partition == Int32(partition) }.map(\.offset), "partition \(partition)")
        }
        #expect(ingestd.process.isRunning)
    }
}
