import Kafka
import Logging
import Testing
import TestSupport

/// The Kafka wrapper against a real broker (Tansu, started per suite).
@Suite(.serialized) struct KafkaRoundTripTests {
    let broker: TansuBroker
    let logger = Logger(label: "kafka-tests")

    init() throws {
        broker = try TansuBroker()
    }

    func configuration(group: String = "tests") -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(bootstrapServers: broker.bootstrapServers, groupID: group,
                                   properties: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"])
    }

    @Test func producedRecordsAreReadBackToTheEnd() throws {
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers)
        try producer.createTopics(["roundtrip"], partitions: 2)
        for index in 0..<25 {
            try producer.send(topic: "roundtrip", key: Array("k\(index)".utf8), value: Array("v\(index)".utf8),
                              partition: Int32(index % 2), timestamp: 1_700_000_000_000 + Int64(index))
        }
        try producer.send(topic: "roundtrip", key: nil, value: nil, partition: 0)
        try producer.flush()

        let reader = try KafkaPartitionReader(configuration: configuration(), logger: logger)
        var seen: [KafkaMessage] = []
        let ends = try reader.read([KafkaTopicPartition(topic: "roundtrip", partition: 0, offset: KafkaOffset.beginning),
                                    KafkaTopicPartition(topic: "roundtrip", partition: 1, offset: KafkaOffset.beginning)]) {
            seen.append($0)
        }
        #expect(seen.count == 26)
        #expect(Dictionary(uniqueKeysWithValues: ends.map { ($0.partition, $0.offset) }) == [0: 14, 1: 12])
        let first = try #require(seen.first { $0.partition == 1 && $0.offset == 0 })
        #expect(first.key == Array("k1".utf8))
        #expect(first.value == Array("v1".utf8))
        #expect(first.timestamp == 1_700_000_000_001)
        let tombstone = try #require(seen.first { $0.partition == 0 && $0.offset == 13 })
        #expect(tombstone.key == nil && tombstone.value == nil)
    }

    @Test func tailReadReturnsAtLeastTheLastRecordsOfABatchedPartition() throws {
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "50"])
        try producer.createTopics(["tail"], partitions: 1)
        for index in 0..<300 { try producer.send(topic: "tail", value: Array("\(index)".utf8), partition: 0) }
        try producer.flush()
        let reader = try KafkaPartitionReader(configuration: configuration(), logger: logger)
        var offsets: [Int64] = []
        let ends = try reader.read([KafkaTopicPartition(topic: "tail", partition: 0, offset: KafkaOffset.tail(100))]) {
            offsets.append($0.offset)
        }
        #expect(ends.first?.offset == 300)
        #expect(offsets.last == 299)
        #expect(Set(offsets).isSuperset(of: Set(Int64(200)..<300)))
    }

    @Test func groupConsumerIsAssignedAndReceivesFromChosenOffsets() throws {
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers)
        try producer.createTopics(["group-a"], partitions: 1)
        for index in 0..<5 { try producer.send(topic: "group-a", value: Array("before-\(index)".utf8)) }
        try producer.flush()

        nonisolated(unsafe) var assigned: [KafkaTopicPartition] = []
        let consumer = try KafkaConsumer(
            configuration: configuration(group: "group-test"), logger: logger,
            onAssign: { partitions in
                assigned = partitions
                return partitions.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition, offset: 3) }
            },
            onRevoke: { _ in })
        let topics = try consumer.topics(timeout: .seconds(5)).map(\.name)
        #expect(topics.contains("group-a"))
        try consumer.subscribe(["group-a"])
        var values: [String] = []
        let received = eventuallyBlocking(timeout: 20, interval: 0) {
            for case .message(let message) in consumer.poll(timeout: .milliseconds(100)) {
                values.append(String(decoding: message.value ?? [], as: UTF8.self))
            }
            return values.count >= 2
        }
        #expect(received)
        #expect(assigned.map(\.topic) == ["group-a"])
        #expect(values == ["before-3", "before-4"])
        try consumer.commit()
        consumer.close()
    }

    /// A batch poll holds what a copying poll returns: keys, values, null keys, tombstones,
    /// headers, and the bytes stay readable after the consumer itself is gone (the batch keeps
    /// librdkafka's handle until it is released).
    @Test func pollBatchHoldsWhatPollCopies() throws {
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers)
        try producer.createTopics(["batch-a", "batch-b"], partitions: 1)
        let headers = [KafkaHeader(name: "h", value: Array("v".utf8)), KafkaHeader(name: "n", value: nil)]
        for index in 0..<30 {
            let topic = index % 7 < 4 ? "batch-a" : "batch-b"
            try producer.send(topic: topic, key: index % 3 == 0 ? nil : Array("k\(index)".utf8),
                              value: index % 5 == 0 ? nil : Array(#"{"n":\#(index)}"#.utf8), partition: 0,
                              headers: index % 4 == 0 ? headers : [])
        }
        try producer.flush()
        func consumer(_ group: String) throws -> KafkaConsumer {
            let consumer = try KafkaConsumer(configuration: configuration(group: group), logger: logger)
            try consumer.assign(["batch-a", "batch-b"].map { KafkaTopicPartition(topic: $0, partition: 0, offset: 0) })
            return consumer
        }
        var copying: KafkaConsumer? = try consumer("batch-copy")
        var copied: [KafkaMessage] = []
        #expect(eventuallyBlocking(timeout: 20, interval: 0) {
            for case .message(let message) in copying!.poll(timeout: .milliseconds(100)) { copied.append(message) }
            return copied.count >= 30
        })
        copying = nil
        var batching: KafkaConsumer? = try consumer("batch-views")
        var batches: [KafkaMessageBatch] = []
        #expect(eventuallyBlocking(timeout: 20, interval: 0) {
            batches.append(batching!.pollBatch(timeout: .milliseconds(100)).records)
            return batches.reduce(0) { $0 + $1.count } >= 30
        })
        batching = nil  // the batches keep what they need
        let viewed = batches.flatMap { batch in (0..<batch.count).map(batch.message(at:)) }
        func byPosition(_ messages: [KafkaMessage]) -> [KafkaMessage] {
            messages.sorted { ($0.topic, $0.offset) < ($1.topic, $1.offset) }
        }
        #expect(viewed.count == 30)
        #expect(byPosition(viewed) == byPosition(copied))
        #expect(viewed.contains { $0.key == nil } && viewed.contains { $0.value == nil } && viewed.contains { !$0.headers.isEmpty })
        let batch = try #require(batches.first { $0.count > 0 })
        let sizes = batch.withKeyAndValue(at: 0) { key, value in (key?.count, value?.count) }
        #expect(sizes.0 == batch.message(at: 0).key?.count && sizes.1 == batch.message(at: 0).value?.count)
    }

    /// A poll returns as soon as a record is there, not when its batch is full or its timeout
    /// has passed (librdkafka's batch consume alone would hold a lone record for the whole
    /// timeout: every record of a quiet topic would arrive that late).
    @Test func pollReturnsALoneRecordBeforeItsTimeout() throws {
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        try producer.createTopics(["lone"], partitions: 1)
        let consumer = try KafkaConsumer(
            configuration: configuration(group: "lone-test"), logger: logger,
            onAssign: { $0 }, onRevoke: { _ in })
        try consumer.assign([KafkaTopicPartition(topic: "lone", partition: 0, offset: 0)])
        try producer.send(topic: "lone", value: Array("only".utf8))
        try producer.flush()
        let clock = ContinuousClock()
        var returnedWithRecord: Duration?
        let deadline = clock.now + .seconds(30)
        while returnedWithRecord == nil, clock.now < deadline {
            let start = clock.now
            let events = consumer.poll(maxEvents: 1000, timeout: .seconds(8))
            if events.contains(where: { if case .message = $0 { true } else { false } }) {
                returnedWithRecord = clock.now - start
            }
        }
        let elapsed = try #require(returnedWithRecord, "the record never arrived")
        #expect(elapsed < .seconds(6), "the poll that delivered the record took \(elapsed) of its 8 s timeout")
        consumer.close()
    }

    /// With explicit offset storing, a commit covers only what the application stored: records a
    /// poll returned but the application has not finished with are not committed (ingestd stores
    /// a record's offset once it is published).
    @Test func explicitlyStoredOffsetsAreTheOnlyOnesCommitted() throws {
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        try producer.createTopics(["stored"], partitions: 1)
        for index in 0..<10 { try producer.send(topic: "stored", value: Array("\(index)".utf8), partition: 0) }
        try producer.flush()
        var configuration = configuration(group: "stored-test")
        configuration.storesOffsetsExplicitly = true
        configuration.properties["enable.auto.offset.store"] = "true"  // ignored: explicit wins
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let partition = KafkaTopicPartition(topic: "stored", partition: 0)
        try consumer.assign([KafkaTopicPartition(topic: "stored", partition: 0, offset: KafkaOffset.beginning)])
        var received = 0
        let all = eventuallyBlocking(timeout: 20, interval: 0) {
            for case .message in consumer.poll(timeout: .milliseconds(100)) { received += 1 }
            return received >= 10
        }
        #expect(all)
        try consumer.commit()  // nothing stored yet: nothing to commit
        #expect(try consumer.committed([partition], timeout: .seconds(5)).first?.offset ?? -1 < 0)
        let refused = try consumer.storeOffsets([KafkaTopicPartition(topic: "stored", partition: 0, offset: 4)])
        #expect(refused.isEmpty)
        try consumer.commit()
        #expect(try consumer.committed([partition], timeout: .seconds(5)).first?.offset == 4)
        consumer.close()
    }

    @Test func invalidPropertyIsRejectedBeforeConnecting() {
        var config = configuration()
        config.properties["no.such.property"] = "1"
        #expect(throws: KafkaError.self) { try config.validate() }
        config.properties = ["session.timeout.ms": "not-a-number"]
        #expect(throws: KafkaError.self) { try config.validate() }
    }
}
