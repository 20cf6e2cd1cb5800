import Logging

/// Reads chosen partitions from chosen offsets up to their current end, without a consumer group.
///
/// A partition is done at its end of partition event (`enable.partition.eof`, right on every
/// broker; the high watermark is not trusted, some brokers report it short of the end), or, so a
/// scan ends even while producers keep writing, at the first record stamped at or after the
/// scan's cutoff time, which is left out. Blocking: use it from a dedicated thread, one scan at a
/// time.
///
/// A partition whose first record (or end) is not at the requested offset is reported as a
/// ``KafkaScanGap`` (`takeGaps()`) when the records asked for are gone: deleted before the
/// partition's log start, or past its end because it was recreated or truncated. Offsets that are
/// not records (transaction markers, compaction) are not gaps.
public final class KafkaPartitionReader {
    private let client: RDKafkaClient
    private let logger: Logger
    private var pending: [PartitionKey: Int64] = [:]  // partition -> next offset (-1 unknown)
    private var ends: [KafkaTopicPartition] = []
    private var cutoff: Int64?
    /// Requested start offsets of partitions whose first record has not been seen yet.
    private var unchecked: [PartitionKey: Int64] = [:]
    private var gaps: [KafkaScanGap] = []

    public init(configuration: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.logger = logger
        let callbacks = RDKafkaCallbacks(onError: { error in logger.debug("Kafka reader: \(error)") })
        client = try RDKafkaClient(kind: .consumer, properties: configuration.readerProperties, callbacks: callbacks)
        client.headerLimits = configuration.headerLimits
    }

    /// Starts reading every partition of `starts` from its offset (a real offset or a logical one
    /// such as `KafkaOffset.tail(100)`); replaces any scan in progress. Records stamped at or
    /// after `cutoffTimestamp` (ms since the epoch) end their partition's scan.
    public func startScan(_ starts: [KafkaTopicPartition], cutoffTimestamp: Int64? = nil) throws(KafkaError) {
        pending = Dictionary(starts.map { (PartitionKey(topic: $0.topic, partition: $0.partition), $0.offset >= 0 ? $0.offset : -1) },
                             uniquingKeysWith: { first, _ in first })
        ends = []
        cutoff = cutoffTimestamp
        unchecked = Dictionary(starts.filter { $0.offset >= 0 }.map { (PartitionKey(topic: $0.topic, partition: $0.partition), $0.offset) },
                               uniquingKeysWith: { first, _ in first })
        gaps = []
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
                if !unchecked.isEmpty { check(key, firstOffset: message.offset) }
                if let cutoff, message.timestamp >= cutoff {
                    finish(key, at: message.offset)
                    continue
                }
                messages.append(message)
                pending[key] = message.offset + 1
            case .partitionEOF(let topic, let partition, let offset):
                let key = PartitionKey(topic: topic, partition: partition)
                if pending[key] != nil { check(key, firstOffset: offset) }
                finish(key, at: offset)
            case let .offsetOutOfRange(topic, partition, offset):
                // Not with this reader's `auto.offset.reset=earliest`; ends the partition if seen.
                logger.warning("Kafka reader: \(topic)[\(partition)] no longer holds offset \(offset)")
                finish(PartitionKey(topic: topic, partition: partition), at: offset)
            case .error(let error):
                logger.debug("Kafka reader: \(error)")
            }
        }
        return messages
    }

    /// Gaps found since the last call (see the type's notes).
    public func takeGaps() -> [KafkaScanGap] {
        defer { gaps = [] }
        return gaps
    }

    /// Compares the first offset seen on a partition (a record's, or the end's) with the one
    /// requested. Before it: the partition restarted. After it: records were deleted if the log
    /// now starts after the requested offset (asked from the leader; otherwise the offsets
    /// between are transaction markers or compacted away).
    private func check(_ key: PartitionKey, firstOffset: Int64) {
        guard let requested = unchecked.removeValue(forKey: key), firstOffset != requested, firstOffset >= 0 else { return }
        if firstOffset < requested {
            gaps.append(KafkaScanGap(topic: key.topic, partition: key.partition, requested: requested,
                                     available: firstOffset, kind: .rewound))
            return
        }
        do {
            let (low, _) = try client.queryWatermarks(topic: key.topic, partition: key.partition, timeoutMs: 5000)
            if low > requested {
                gaps.append(KafkaScanGap(topic: key.topic, partition: key.partition, requested: requested,
                                         available: low, kind: .deleted))
            }
        } catch {
            logger.warning("Kafka reader: \(key) starts at \(firstOffset), not at \(requested), and its log start is unknown: \(error)")
        }
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
