import Kafka
import Logging
import Testing
import TestSupport

/// Record headers through the Kafka wrapper against a real broker (Tansu): produced and read back
/// in order, repeated names kept, a null value told from an empty one, and the reader's
/// ``KafkaHeaderLimits`` keeping the first headers within both bounds.
@Suite(.serialized) struct KafkaHeaderTests {
    let broker: TansuBroker
    let logger = Logger(label: "kafka-header-tests")

    init() throws {
        broker = try TansuBroker()
    }

    static let headers = [
        KafkaHeader(name: "source", value: Array("pos-7".utf8)), KafkaHeader(name: "empty", value: []),
        KafkaHeader(name: "null", value: nil), KafkaHeader(name: "source", value: [0x00, 0xff, 0x80]),
        KafkaHeader(name: "é", value: Array("ü".utf8)),
    ]

    func read(_ limits: KafkaHeaderLimits) throws -> [KafkaMessage] {
        let configuration = KafkaConsumerConfiguration(bootstrapServers: broker.bootstrapServers, groupID: "headers",
                                                       headerLimits: limits)
        let reader = try KafkaPartitionReader(configuration: configuration, logger: logger)
        var seen: [KafkaMessage] = []
        _ = try reader.read([KafkaTopicPartition(topic: "headers", partition: 0, offset: KafkaOffset.beginning)]) { seen.append($0) }
        return seen
    }

    @Test func headersRoundTripAndAreBoundedWhenRead() throws {
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers)
        try producer.createTopics(["headers"])
        try producer.send(topic: "headers", value: Array("a".utf8), partition: 0, headers: Self.headers)
        try producer.send(topic: "headers", value: Array("b".utf8), partition: 0)
        try producer.flush()

        let all = try read(KafkaHeaderLimits())
        #expect(all.map(\.headers) == [Self.headers, []])
        #expect(all.map(\.headersDropped) == [0, 0])
        // Three headers at most: the first three kept, two dropped.
        let counted = try read(KafkaHeaderLimits(maximumCount: 3, maximumBytes: 1000))
        #expect(counted.first?.headers == Array(Self.headers.prefix(3)) && counted.first?.headersDropped == 2)
        // 16 bytes of names and values: "source"+"pos-7" (11) and "empty" (5) fit, "null" (4) does
        // not, and nothing after it is kept either.
        let sized = try read(KafkaHeaderLimits(maximumCount: 64, maximumBytes: 16))
        #expect(sized.first?.headers == Array(Self.headers.prefix(2)) && sized.first?.headersDropped == 3)
        let none = try read(.none)
        #expect(none.first?.headers == [] && none.first?.headersDropped == 5)
    }
}
