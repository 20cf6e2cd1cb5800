import Avro
import Bus
import Foundation
import Kafka
import Testing
import TestSupport
import ZeroMQ

/// ingestd as a process against a real broker (Tansu), observed on the bus as a subscriber would.
@Suite(.serialized) struct IngestIntegrationTests {
    let broker: TansuBroker
    let producer: KafkaProducer
    let context: ZMQContext

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        context = try ZMQContext()
    }

    static let schemaPath = TestEnvironment.fixture("kafka.timestamp-data.avsc").path

    func avroDataRecord(timestamp: Double, _ data: [(String, AvroValue)]) throws -> [UInt8] {
        let encoder = try AvroEncoder(schema: try AvroSchema(contentsOfFile: Self.schemaPath))
        return try encoder.encode(.record([("timestamp", .double(timestamp)), ("data", .map(data.map { (key: $0.0, value: $0.1) }))]))
    }

    func json(_ bytes: [UInt8]?) throws -> NSDictionary {
        let data = Data(try #require(bytes))
        return try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test func jsonAndAvroRecordsArriveExactly() async throws {
        try producer.createTopics(["buyOffer", "stcs.solar"])
        let ingestd = try IngestdProcess(broker: broker, group: "exact", environment: [
            "TOPIC_FORMATS": "^stcs\\.=avro:\(Self.schemaPath);.*=json"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)  // ZeroMQ drops what is published before a SUB connects

        let lines = try String(contentsOf: TestEnvironment.fixture("buyOffer.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { Array($0.utf8) }
        for line in lines { try producer.send(topic: "buyOffer", key: Array("merchant-1".utf8), value: line, timestamp: 1_521_194_460_000) }
        let avro = try avroDataRecord(timestamp: 1.5, [("t1", .union(branch: 2, .float(21.5))), ("s", .union(branch: 0, .string("on"))),
                                                        ("n", .union(branch: 3, .long(42))), ("b", .union(branch: 5, .boolean(true))),
                                                        ("raw", .union(branch: 1, .bytes([0xff, 0x00])))])
        try producer.send(topic: "stcs.solar", key: nil, value: avro)
        try producer.flush()

        let records = try await tap.collect { $0.count >= lines.count + 1 }
        let offers = records.filter { $0.topic == "buyOffer" }
        #expect(offers.count == lines.count)
        #expect(offers.map(\.offset) == (0..<Int64(lines.count)).map { $0 })
        #expect(offers.map(\.value) == lines.map { Optional($0) })
        #expect(offers.allSatisfy { $0.key == Array("\"merchant-1\"".utf8) && $0.timestamp == 1_521_194_460_000 })
        let solar = try #require(records.first { $0.topic == "stcs.solar" })
        #expect(solar.key == nil)
        let decoded = try json(solar.value)
        #expect(decoded["timestamp"] as? Double == 1.5)
        let data = try #require(decoded["data"] as? NSDictionary)
        #expect(data["t1"] as? Double == 21.5)
        #expect(data["s"] as? String == "on")
        #expect(data["n"] as? Int == 42)
        #expect(data["b"] as? Bool == true)
        #expect(data["raw"] as? String == "/wA=")
        // One epoch, sequences growing by one.
        #expect(Set(records.map(\.epoch)).count == 1)
        let sequences = records.map(\.sequence)
        #expect(zip(sequences, sequences.dropFirst()).allSatisfy { $1 == $0 + 1 })
    }

    @Test func topicFilterExcludesOthersAndPicksUpNewTopics() async throws {
        try producer.createTopics(["keep.a", "drop.a", "_keep.internal"])
        let ingestd = try IngestdProcess(broker: broker, group: "filter", environment: ["ALLOWED_TOPICS_REGEX": "(keep|_keep)"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)
        for topic in ["keep.a", "drop.a", "_keep.internal"] { try producer.send(topic: topic, value: Array("{\"t\":\"\(topic)\"}".utf8)) }
        try producer.flush()
        try await tap.collect { $0.contains { $0.topic == "keep.a" } }
        try producer.createTopics(["keep.late"])
        // The new topic is found within a few seconds: keep producing until it shows up.
        let producer = self.producer
        let seen = try await tap.collect(timeout: 30) { records in
            try? producer.send(topic: "keep.late", value: Array("{\"late\":true}".utf8))
            return records.contains { $0.topic == "keep.late" }
        }
        #expect(seen.contains { $0.topic == "keep.late" }, "ingestd log:\n\(ingestd.process.output.suffix(5000))")
        #expect(Set(seen.map(\.topic)).isSubset(of: ["keep.a", "keep.late"]))
    }

    @Test func badRecordsAreSkippedWhileGoodOnesFlow() async throws {
        try producer.createTopics(["stcs.bad"])
        let ingestd = try IngestdProcess(broker: broker, group: "bad", environment: ["KAFKA_SCHEMA": Self.schemaPath])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)
        try producer.send(topic: "stcs.bad", value: try avroDataRecord(timestamp: 1, [("a", .union(branch: 4, .int(1)))]))
        try producer.send(topic: "stcs.bad", value: [0x01, 0x02, 0x03])  // truncated double
        try producer.send(topic: "stcs.bad", value: Array("not avro at all, clearly".utf8))
        try producer.send(topic: "stcs.bad", value: try avroDataRecord(timestamp: 2, [("a", .union(branch: 4, .int(2)))]))
        try producer.flush()
        let records = try await tap.collect { $0.count >= 2 }
        #expect(records.map(\.offset) == [0, 3])
        let failed = await eventually(timeout: 5) { await ingestd.metric("ingest_records_failed_total{topic=\"stcs.bad\"}") == 2 }
        #expect(failed)
        #expect(ingestd.process.isRunning)
    }

    @Test func snapshotThenLiveHasNoGapAndNoDuplicate() async throws {
        try producer.createTopics(["ticks"])
        let ingestd = try IngestdProcess(broker: broker, group: "clone", environment: ["HISTORY_SIZE": "50"])
        try await ingestd.waitUntilReady()
        let total = 600
        let producer = self.producer
        let subscriber = try BusSubscriber(configuration: .init(publisherEndpoint: ingestd.publishEndpoint,
                                                                snapshotEndpoint: ingestd.snapshotEndpoint),
                                           context: context)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<total {
                    try producer.send(topic: "ticks", value: Array("{\"n\":\(index)}".utf8))
                    if index % 20 == 0 { try await Task.sleep(for: .milliseconds(5)) }
                }
                try producer.flush()
            }
            group.addTask {
                // Join while records are flowing.
                try await Task.sleep(for: .milliseconds(150))
                try await subscriber.run()
            }
            var offsets: [Int64] = []
            var snapshots = 0
            for await event in subscriber.events {
                switch event {
                case .snapshot(let snapshot, _):
                    snapshots += 1
                    offsets = snapshot.records.filter { $0.topic == "ticks" }.map(\.offset)
                case .records(let records):
                    offsets.append(contentsOf: records.map(\.offset))
                case .resync:
                    break
                }
                if offsets.last == Int64(total - 1) { break }
            }
            group.cancelAll()
            #expect(snapshots == 1)
            let first = try #require(offsets.first)
            #expect(offsets == Array(first...Int64(total - 1)))
        }
    }

    @Test func replayReadsFromTheGivenOffsets() async throws {
        try producer.createTopics(["replayed"], partitions: 2)
        for index in 0..<30 { try producer.send(topic: "replayed", value: Array("{\"i\":\(index)}".utf8), partition: Int32(index % 2)) }
        try producer.flush()
        let ingestd = try IngestdProcess(broker: broker, group: "replay", environment: ["ALLOWED_TOPICS_REGEX": "replayed"])
        try await ingestd.waitUntilReady()
        let reply = try await ingestd.request(.replay(BusReplayOffsets(["replayed": [0: 10]])), context: context)
        let partition0 = reply.records.filter { $0.partition == 0 }.map(\.offset)
        let partition1 = reply.records.filter { $0.partition == 1 }.map(\.offset)
        #expect(partition0 == Array(10..<15))
        #expect(partition1 == Array(0..<15))  // unlisted partitions replay from their start
        #expect(reply.records.first { $0.partition == 0 }?.value == Array("{\"i\":20}".utf8))

        await #expect(throws: BusClientError.self) {
            try await ingestd.request(.replay(BusReplayOffsets(["__consumer_offsets": [0: 0]])), context: context)
        }
        await #expect(throws: BusClientError.self) {
            try await ingestd.request(.replay(BusReplayOffsets(["replayed-missing": [0: 0]])), context: context)
        }
    }

    @Test func restartedIngestdHasAFullCacheAndANewEpoch() async throws {
        try producer.createTopics(["hist"])
        for index in 0..<150 { try producer.send(topic: "hist", value: Array("{\"i\":\(index)}".utf8)) }
        try producer.flush()
        let free = distinctFreeLoopbackPorts(3)
        let ports = (free[0], free[1], free[2])
        var epochs: [UInt64] = []
        for _ in 0..<2 {
            let ingestd = try IngestdProcess(broker: broker, group: "restart", ports: ports)
            try await ingestd.waitUntilReady()
            let snapshot = try await ingestd.request(.snapshot(topicPrefix: ""), context: context)
            #expect(snapshot.records.map(\.offset) == Array(50..<150))
            epochs.append(snapshot.end.epoch)
            let start = Date()
            let status = ingestd.process.stop(signal: SIGTERM, timeout: 10)
            #expect(status == 0, "ingestd log:\n\(ingestd.process.output.suffix(3000))")
            #expect(Date().timeIntervalSince(start) < 5)
        }
        #expect(epochs.count == 2 && epochs[0] != epochs[1])
    }

    @Test func survivesTheBrokerGoingAwayAndComingBack() async throws {
        try producer.createTopics(["outage"])
        let ingestd = try IngestdProcess(broker: broker, group: "outage")
        try await ingestd.waitUntilReady()
        broker.stop()
        let noticed = await eventually(timeout: 30, interval: 0.2) { await ingestd.get("/health")?.status == 503 }
        #expect(noticed, "health did not report the outage:\n\(ingestd.process.output.suffix(3000))")
        try broker.start()  // memory storage: the broker comes back empty
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        let fresh = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        try fresh.createTopics(["outage"])
        let records = try await tap.collect(timeout: 60) { records in
            try? fresh.send(topic: "outage", value: Array("{\"back\":true}".utf8))
            return !records.isEmpty
        }
        #expect(records.first?.value == Array("{\"back\":true}".utf8), "ingestd log:\n\(ingestd.process.output.suffix(3000))")
        let healthy = await eventually(timeout: 30, interval: 0.2) { await ingestd.get("/health")?.status == 200 }
        #expect(healthy)
        #expect(ingestd.process.isRunning)
    }

    @Test func badConfigurationExitsWithStatusTwo() throws {
        let ingestd = try IngestdProcess(broker: broker, group: "bad-config", environment: ["HISTORY_SIZE": "-3"])
        let status = ingestd.process.waitForExit(timeout: 10)
        #expect(status == 2)
        #expect(ingestd.process.output.contains("invalid HISTORY_SIZE"))
    }
}

/// ingestd's start-up and Schema Registry paths, each with its own broker.
@Suite(.serialized) struct IngestStartupTests {
    @Test func waitsForABrokerThatIsDownAtStart() async throws {
        let port = freeLoopbackPort()
        let broker = try TansuBroker(port: port)
        broker.stop()
        let ingestd = try IngestdProcess(broker: broker, group: "late-broker")
        let reported = await eventually(timeout: 20, interval: 0.2) {
            guard let health = await ingestd.get("/health") else { return false }
            // Not ready, and saying why: the broker error is filled in.
            return health.status == 503 && health.body.contains("\"broker\":\"unreachable\"")
                && !health.body.contains("\"lastBrokerError\":\"\"")
        }
        #expect(reported, "ingestd log:\n\(ingestd.process.output.suffix(3000))")
        try broker.start()
        try await ingestd.waitUntilReady(timeout: 60)
        #expect(ingestd.process.output.contains("unreachable"))
    }

    @Test func registryFramedRecordsAreDecodedThroughTheRegistry() async throws {
        let schema = try String(contentsOf: TestEnvironment.fixture("kafka.timestamp-data.avsc"), encoding: .utf8)
        let registry = try await FakeSchemaRegistry.start(schemas: [7: schema])
        let broker = try TansuBroker()
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        try producer.createTopics(["framed"])
        let ingestd = try IngestdProcess(broker: broker, group: "registry", environment: [
            "TOPIC_FORMATS": ".*=registry", "SCHEMA_REGISTRY_URL": registry.url.absoluteString])
        try await ingestd.waitUntilReady()
        let context = try ZMQContext()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)
        let encoder = try AvroEncoder(schema: try AvroSchema(json: schema))
        let datum = try encoder.encode(.record([("timestamp", .double(3.25)), ("data", .map([(key: "x", value: .union(branch: 4, .int(9)))]))]))
        try producer.send(topic: "framed", value: [0, 0, 0, 0, 7] + datum)
        try producer.send(topic: "framed", value: [1, 0, 0, 0, 7] + datum)   // unknown magic byte
        try producer.send(topic: "framed", value: [0, 0, 0, 0, 99] + datum)  // unknown schema id
        try producer.send(topic: "framed", value: [0, 0, 0, 0, 7] + datum)
        try producer.flush()
        let records = try await tap.collect { $0.count >= 2 }
        #expect(records.map(\.offset) == [0, 3])
        #expect(records.first?.value == Array("{\"timestamp\":3.25,\"data\":{\"x\":9}}".utf8))
        let failed = await eventually(timeout: 5) { await ingestd.metric("ingest_records_failed_total{topic=\"framed\"}") == 2 }
        #expect(failed)
        #expect(try await registry.requestCounts()["/schemas/ids/7"] == 1)
    }
}
