import Logging

/// Reads chosen partitions from chosen offsets up to their current end, without a consumer group.
///
/// The end of a partition is found from the fetch side (`enable.partition.eof`), which is right
/// on every broker, rather than from the high watermark. Blocking: use it from a dedicated thread.
public final class KafkaPartitionReader {
    private let client: RDKafkaClient
    private let logger: Logger

    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.logger = logger
        let callbacks = RDKafkaCallbacks(onError: { error in logger.debug("Kafka reader: \(error)") })
        client = try RDKafkaClient(kind: .consumer, properties: configuration.readerProperties, callbacks: callbacks)
    }

    /// Reads every partition of `starts` from its offset (a real or logical offset such as
    /// `KafkaOffset.tail(100)`) until it reaches the partition's end, calling `body` for each record.
    ///
    /// Returns the end offset (next offset to be written) of each partition.
    /// Throws if the ends are not all reached within `timeout`.
    @discardableResult
    public func read(_ starts: [KafkaTopicPartition], timeout: Duration = .seconds(30),
                     _ body: (KafkaMessage) throws -> Void) throws -> [KafkaTopicPartition] {
        guard !starts.isEmpty else { return [] }
        try client.assign(starts)
        defer { try? client.assign([]) }
        var pending = Set(starts.map { PartitionKey(topic: $0.topic, partition: $0.partition) })
        var ends: [KafkaTopicPartition] = []
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while !pending.isEmpty {
            guard clock.now < deadline else {
                throw KafkaError(message: "reading \(pending.count) partition(s) did not reach their end within \(timeout)")
            }
            for event in client.poll(maxEvents: 1000, timeoutMs: 100) {
                switch event {
                case .message(let message):
                    guard pending.contains(PartitionKey(topic: message.topic, partition: message.partition)) else { continue }
                    try body(message)
                case .partitionEOF(let topic, let partition, let offset):
                    if pending.remove(PartitionKey(topic: topic, partition: partition)) != nil {
                        ends.append(KafkaTopicPartition(topic: topic, partition: partition, offset: offset))
                    }
                case .error(let error):
                    logger.debug("Kafka reader: \(error)")
                }
            }
        }
        return ends
    }

    /// Topics and partitions of the cluster (blocking, up to `timeout`).
    public func topics(timeout: Duration = .seconds(5)) throws(KafkaError) -> [KafkaTopicMetadata] {
        try client.topics(timeoutMs: Int32(timeout.components.seconds * 1000))
    }
}

/// A topic-partition pair as a set or dictionary key.
public struct PartitionKey: Hashable, Sendable {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}
