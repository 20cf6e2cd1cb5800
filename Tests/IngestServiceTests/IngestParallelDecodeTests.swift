import Avro
import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// ingestd decoding on several threads, against a real broker: every partition's records leave in
/// Kafka's order, on the bus and in the cache, and none is lost or published twice; a kill -9
/// while the decode pipeline is full loses none.
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

    /// With `BUS_PACK_RECORDS` 64, the same records go out in packs of one partition's records,
    /// but one by one to a subscriber that does not announce that it reads packs.
    @Test(arguments: [(1, true), (64, true), (64, false)])
    func partitionsKeepTheirOrderAndEveryRecordArrivesOnce(packRecords: Int, tapReadsPacks: Bool) async throws {
        let partitions = 4
        let total = 12_000
        try producer.createTopics(["par.avro"], partitions: Int32(partitions))
        let ingestd = try IngestdProcess(broker: broker, group: "parallel", environment: [
            "ALLOWED_TOPICS_REGEX": "^par\\.", "TOPIC_FORMATS": "^par\\.=avro:\(Self.schemaPath)", "DECODE_THREADS": "3", "HISTORY_SIZE": "2000",
            "LOGGING_LEVEL": "INFO", "BUS_PACK_RECORDS": "\(packRecords)"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context, prefix: "par.", readsPacks: tapReadsPacks)
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
        if packRecords == 1 || !tapReadsPacks {
            #expect(tap.packs.isEmpty)
        } else {
            // Most records travelled in packs, none larger than allowed, each of one partition.
            let sizes = tap.packs.map(\.count)
            #expect(sizes.allSatisfy { $0 > 1 && $0 <= packRecords }, "\(sizes)")
            #expect(sizes.reduce(0, +) > good / 2, "\(sizes.count) packs of \(sizes.reduce(0, +)) records")
            #expect(tap.packs.allSatisfy { pack in pack.allSatisfy { $0.partition == pack[0].partition } })
        }

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

    /// kill -9 while thousands of records are between consuming and publishing (a backlog, so the
    /// consumer thread runs ahead of the decoders), more records while ingestd is down, then a
    /// restart on the same endpoints: the restarted ingestd loads its history and goes on from the
    /// end, and exportd (following the bus, REPLAYing what it missed from its journal's offsets)
    /// holds every record exactly once, each partition in Kafka's order. With `BUS_PACK_RECORDS`
    /// 256 the records travel in packs, and exportd follows them the same.
    @Test(arguments: [1, 256])
    func killedWhileDecodingLosesNoRecord(packRecords: Int) async throws {
        let partitions = 4
        let topic = "buyOffer"
        try producer.createTopics([topic], partitions: Int32(partitions))
        let free = distinctFreeLoopbackPorts(3)
        let ports = (http: free[0], publish: free[1], snapshot: free[2])
        let environment = ["TOPIC_FORMATS": ".*=json", "DECODE_THREADS": "2", "HISTORY_SIZE": "100", "LOGGING_LEVEL": "INFO",
                           "BUS_PACK_RECORDS": "\(packRecords)"]
        let first = try IngestdProcess(broker: broker, group: "killed", environment: environment, ports: ports)
        try await first.waitUntilReady()
        let tap = try BusTap(endpoint: first.publishEndpoint, context: context, prefix: topic, readsPacks: true)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("killed-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let exportd = try ExportdProcess(ingestd: first, dataDirectory: data,
                                         environment: ["MERCHANT_TOPICS": topic, "LOGGING_LEVEL": "INFO"])
        try await exportd.waitUntilReady()
        try await first.waitForBusSubscribers(2)

        // Values made beforehand, so the backlog is produced faster than ingestd decodes it.
        let values = (0..<48_000).map { n in Array(#"{"n":\#(n),"p":\#(n % partitions)}"#.utf8) }
        func produce(_ range: Range<Int>) throws {
            for n in range { try producer.send(topic: topic, value: values[n], partition: Int32(n % partitions)) }
            try producer.flush()
        }
        // Record 0 first: once it is on the bus, ingestd owns the partitions.
        try produce(0..<1)
        try await tap.collect(timeout: 30) { $0.count >= 1 }
        try produce(1..<40_000)
        try await tap.collect(timeout: 30) { $0.count >= 12_000 }
        _ = first.process.stop(signal: SIGKILL)
        // What was already on its way to the tap, to show the kill came while records were
        // still to publish.
        let publishedBeforeKill = try await tap.collect(timeout: 0.5) { _ in false }.count
        #expect(publishedBeforeKill < 40_000)
        if packRecords > 1 { #expect(!tap.packs.isEmpty, "the tap and exportd read packs: ingestd sends them") }
        // The tap is done. Left open and unread, it would never connect to the second ingestd:
        // a ZeroMQ SUB whose receive queue is full stops reading its TCP connection, so it
        // does not see the first ingestd's end and does not reconnect until the application
        // reads it again. Only exportd follows the second ingestd.
        tap.close()

        try produce(40_000..<44_000)
        let second = try IngestdProcess(broker: broker, group: "killed", environment: environment, ports: ports)
        try await second.waitUntilReady()
        try await second.waitForBusSubscribers(1)
        try produce(44_000..<48_000)

        let stored = await eventually(timeout: 60) { await exportd.metric("export_records_stored_total") ?? 0 >= 48_000 }
        let rows = await exportd.numberedRows(topic)
        let storedCount = await exportd.metric("export_records_stored_total") ?? -1
        #expect(stored, "exportd stored \(storedCount); exportd:\n\(exportd.process.output.suffix(3000))")
        let numbers = rows.map(\.n)
        let missing = Set(0..<48_000).subtracting(numbers).sorted()
        #expect(missing.isEmpty, "\(missing.count) of 48000 missing, from \(missing.first ?? -1); ingestd:\n\(second.process.output.suffix(3000))")
        #expect(numbers.count == Set(numbers).count, "\(numbers.count - Set(numbers).count) rows stored twice")
        var last: [Int: Int] = [:]
        let ordered = rows.allSatisfy { row in
            defer { last[row.p] = row.n }
            return (last[row.p] ?? -1) < row.n
        }
        #expect(ordered, "each partition's rows in Kafka's order")
        #expect(second.process.isRunning && exportd.process.isRunning)
    }
}
