import Logging

/// Reads chosen partitions from chosen offsets up to their current end, without a consumer group.
///
/// A partition is done at its end of partition event (`enable.partition.eof`, right on every
/// broker; the high watermark is not trusted, some brokers report it short of the end), or, so a
/// scan ends even while producers keep writing, at the first record stamped at or after the
/// scan's cutoff time, which is left out. Blocking: use it from a dedicated thread, one scan at a
/// time.
public final class KafkaPartitionReader {
    private let client: RDKafkaClient
    private let logger: Logger
    private var pending: [PartitionKey: Int64] = [:]  // partition -> next offset (-1 unknown)
    private var ends: [KafkaTopicPartition] = []
    private var cutoff: Int64?

    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.logger = logger
        let callbacks = RDKafkaCallbacks(onError: { error in logger.debug("Kafka reader: \(error)") })
        client = try RDKafkaClient(kind: .consumer, properties: configuration.readerProperties, callbacks: callbacks)
    }

    /// Starts reading every partition of `starts` from its offset (a real offset or a logical one
    /// such as `KafkaOffset.tail(100)`); replaces any scan in progress. Records stamped at or
    /// after `cutoffTimestamp` (ms since the epoch) end their partition's scan.
    public func startScan(_ starts: [KafkaTopicPartition], cutoffTimestamp: Int64? = nil) throws(KafkaError) {
        pending = Dictionary(starts.map { (PartitionKey(topic: $0.topic, partition: $0.partition), $0.offset >= 0 ? $0.offset : -1) },
                             uniquingKeysWith: { first, _ in first })
        ends = []
        cutoff = cutoffTimestamp
        try client.assign(starts)
    }

    /// The next records of the scan, waiting up to `timeout` for them; `nil` once every partition
    /// is done (`scanEnds` then holds where each ended).
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
                let key = PartitionKey(topic: message.topic, partition: message.partition)
                guard pending[key] != nil else { continue }
                if let cutoff, message.timestamp >= cutoff {
                    finish(key, at: message.offset)
                    continue
                }
                messages.append(message)
                pending[key] = message.offset + 1
            case .partitionEOF(let topic, let partition, let offset):
                finish(PartitionKey(topic: topic, partition: partition), at: offset)
            case .error(let error):
                logger.debug("Kafka reader: \(error)")
            }
        }
        return messages
    }

    private func finish(_ key: PartitionKey, at offset: Int64) {
        guard pending.removeValue(forKey: key) != nil else { return }
        ends.append(KafkaTopicPartition(topic: key.topic, partition: key.partition, offset: offset))
    }

    /// Ends the scan where it stands: each unfinished partition ends after its last record read
    /// (at `KafkaOffset.invalid` when none was read and no start offset is known).
    public func stopScan() {
        for (key, next) in pending {
            ends.append(KafkaTopicPartition(topic: key.topic, partition: key.partition, offset: next >= 0 ? next : KafkaOffset.invalid))
        }
        pending = [:]
        try? client.assign([])
    }

    /// Where each partition of the scan ended: the next offset after what was read.
    public var scanEnds: [KafkaTopicPartition] { ends }

    /// Partitions of the scan not done yet.
    public var unfinishedPartitions: Int { pending.count }

    /// Reads every partition of `starts` to its end (see the type's notes), calling `body` for
    /// each record, and returns where each partition ended. After `timeout`, or when
    /// `shouldStop` says so, the scan stops where it stands (see `stopScan`).
    @discardableResult
    public func read(_ starts: [KafkaTopicPartition], cutoffTimestamp: Int64? = nil, timeout: Duration = .seconds(30),
                     shouldStop: () -> Bool = { false },
                     _ body: (KafkaMessage) throws -> Void) throws -> [KafkaTopicPartition] {
        guard !starts.isEmpty else { return [] }
        try startScan(starts, cutoffTimestamp: cutoffTimestamp)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while let batch = nextBatch() {
            for message in batch { try body(message) }
            if clock.now >= deadline || shouldStop() {
                logger.debug("Kafka reader: stopping \(unfinishedPartitions) partition(s) short of their end")
                stopScan()
            }
        }
        return ends
    }

    /// Topics and partitions of the cluster (blocking, up to `timeout`).
    public func topics(timeout: Duration = .seconds(5)) throws(KafkaError) -> [KafkaTopicMetadata] {
        try client.topics(timeoutMs: Int32(timeout.components.seconds * 1000))
    }
}
