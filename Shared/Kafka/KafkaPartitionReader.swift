import Logging

/// Reads chosen partitions from chosen offsets up to their current end, without a consumer group.
///
/// The end of a partition is found from the fetch side (`enable.partition.eof`), which is right
/// on every broker, rather than from the high watermark. Blocking: use it from a dedicated thread,
/// one scan at a time.
public final class KafkaPartitionReader {
    private let client: RDKafkaClient
    private let logger: Logger
    private var pending: Set<PartitionKey> = []
    private var ends: [KafkaTopicPartition] = []

    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.logger = logger
        let callbacks = RDKafkaCallbacks(onError: { error in logger.debug("Kafka reader: \(error)") })
        client = try RDKafkaClient(kind: .consumer, properties: configuration.readerProperties, callbacks: callbacks)
    }

    /// Starts reading every partition of `starts` from its offset (a real offset or a logical one
    /// such as `KafkaOffset.tail(100)`); replaces any scan in progress.
    public func startScan(_ starts: [KafkaTopicPartition]) throws(KafkaError) {
        pending = Set(starts.map { PartitionKey(topic: $0.topic, partition: $0.partition) })
        ends = []
        try client.assign(starts)
    }

    /// The next records of the scan, waiting up to `timeout` for them; `nil` once every partition
    /// has reached its end (`scanEnds` then holds the end offsets).
    public func nextBatch(maxMessages: Int = 1000, timeout: Duration = .milliseconds(100)) -> [KafkaMessage]? {
        guard !pending.isEmpty else {
            try? client.assign([])
            return nil
        }
        var messages: [KafkaMessage] = []
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        for event in client.poll(maxEvents: maxMessages, timeoutMs: milliseconds) {
            switch event {
            case .message(let message):
                if pending.contains(PartitionKey(topic: message.topic, partition: message.partition)) {
                    messages.append(message)
                }
            case .partitionEOF(let topic, let partition, let offset):
                if pending.remove(PartitionKey(topic: topic, partition: partition)) != nil {
                    ends.append(KafkaTopicPartition(topic: topic, partition: partition, offset: offset))
                }
            case .error(let error):
                logger.debug("Kafka reader: \(error)")
            }
        }
        return messages
    }

    /// End offsets (next offset to be written) of the partitions that reached their end.
    public var scanEnds: [KafkaTopicPartition] { ends }

    /// Partitions of the scan still short of their end.
    public var unfinishedPartitions: Int { pending.count }

    /// Reads every partition of `starts` to its end, calling `body` for each record, and returns
    /// the end offsets. Throws when the ends are not all reached within `timeout`, or when
    /// `shouldStop` says so.
    @discardableResult
    public func read(_ starts: [KafkaTopicPartition], timeout: Duration = .seconds(30),
                     shouldStop: () -> Bool = { false },
                     _ body: (KafkaMessage) throws -> Void) throws -> [KafkaTopicPartition] {
        guard !starts.isEmpty else { return [] }
        try startScan(starts)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while let batch = nextBatch() {
            for message in batch { try body(message) }
            if clock.now >= deadline || shouldStop() {
                let unfinished = unfinishedPartitions
                try? client.assign([])
                pending = []
                throw KafkaError(message: "reading \(unfinished) partition(s) did not reach their end within \(timeout)")
            }
        }
        return ends
    }

    /// Topics and partitions of the cluster (blocking, up to `timeout`).
    public func topics(timeout: Duration = .seconds(5)) throws(KafkaError) -> [KafkaTopicMetadata] {
        try client.topics(timeoutMs: Int32(timeout.components.seconds * 1000))
    }
}
