import Bus
import Kafka

/// What one poll produced, gathered so the consumer loop updates shared state once per batch.
struct RecordBatch {
    /// Decoded records in order (published or not), for the cache.
    private(set) var records: [BusRecord] = []
    /// The sequence of the last record published, if any was.
    private(set) var lastPublishedSequence: UInt64?
    /// The next offset to consume per partition.
    private(set) var nextOffsets: [PartitionKey: Int64] = [:]
    private(set) var consumedPerTopic: [String: Int] = [:]
    private(set) var publishedPerTopic: [String: Int] = [:]

    var isEmpty: Bool { nextOffsets.isEmpty }

    mutating func consumed(_ message: KafkaMessage) {
        nextOffsets[PartitionKey(topic: message.topic, partition: message.partition)] = message.offset + 1
        consumedPerTopic[message.topic, default: 0] += 1
    }

    mutating func published(_ record: BusRecord) {
        records.append(record)
        lastPublishedSequence = record.sequence
        publishedPerTopic[record.topic, default: 0] += 1
    }

    mutating func unpublished(_ record: BusRecord) {
        records.append(record)
    }
}
