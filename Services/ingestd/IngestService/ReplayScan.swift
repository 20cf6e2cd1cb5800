import Bus
import Foundation
import Kafka
import Logging

/// One replay's Kafka reader, driven in batches from async code; each blocking step runs on a
/// dedicated thread. Steps never overlap (the caller awaits each), so the reader is only ever
/// used by one thread at a time. The caller ends every scan with ``close()``, which destroys the
/// reader's Kafka client on a dedicated thread too (it blocks while librdkafka's threads stop).
final class ReplayScan: @unchecked Sendable {
    private let configuration: KafkaConsumerConfiguration
    private let logger: Logger
    /// The partitions replayed (a shard's own).
    private let shard: PartitionShard
    private var reader: KafkaPartitionReader?

    init(configuration: KafkaConsumerConfiguration, shard: PartitionShard = .all, logger: Logger) {
        self.configuration = configuration
        self.shard = shard
        self.logger = logger
    }

    /// Creates the reader and starts it at the requested offsets. Partitions of a listed topic
    /// that the request does not list are replayed from their first record. A shard replays only
    /// its own partitions (listed or not): the other shards replay theirs, so a subscriber that
    /// asks every shard gets each partition once. Empty when the shard owns none of them.
    func resolve(_ offsets: BusReplayOffsets) async throws -> [KafkaTopicPartition] {
        try await DedicatedThread.run(name: "replay") { [self] in
            let reader = try KafkaPartitionReader(configuration: configuration, logger: logger)
            let topics = try reader.topics(timeout: .seconds(5))
            var starts: [KafkaTopicPartition] = []
            for (topic, partitions) in offsets.topics.sorted(by: { $0.key < $1.key }) {
                guard let metadata = topics.first(where: { $0.name == topic }), metadata.error == nil else {
                    throw BusServerError(.unknownTopic, "unknown topic '\(topic)'")
                }
                for (partition, _) in partitions where !metadata.partitions.contains(partition) {
                    throw BusServerError(.unknownTopic, "topic '\(topic)' has no partition \(partition)")
                }
                for partition in metadata.partitions where shard.owns(partition) {
                    let offset = partitions[partition].map { max($0, 0) } ?? KafkaOffset.beginning
                    starts.append(KafkaTopicPartition(topic: topic, partition: partition, offset: offset))
                }
            }
            guard !starts.isEmpty else { return starts }
            // Up to the end as of now, even while producers keep writing.
            try reader.startScan(starts, cutoffTimestamp: Int64(Date().timeIntervalSince1970 * 1000))
            self.reader = reader
            return starts
        }
    }

    /// The next records (possibly none yet) and the gaps found reading them, or nil when every
    /// partition reached its end. A gap comes before any record of its partition.
    func next() async throws -> (gaps: [KafkaScanGap], messages: [KafkaMessage])? {
        try await DedicatedThread.run(name: "replay") { [self] in
            guard let reader, let messages = reader.nextBatch(maxMessages: 1000, timeout: .milliseconds(200)) else { return nil }
            return (reader.takeGaps(), messages)
        }
    }

    /// Destroys the reader (if any) on a dedicated thread and waits for it.
    func close() async {
        await DedicatedThread.run(name: "replay-close") { [self] in reader = nil }
    }
}
