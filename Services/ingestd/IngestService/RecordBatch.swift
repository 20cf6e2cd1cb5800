import Bus
import Kafka

/// What one poll produced, gathered so the consumer loop updates shared state once per batch.
///
/// Records arrive in runs from one partition; counts and offsets are kept for the current run and
/// folded into the per-topic and per-partition tables when the run ends, so a record costs no
/// hashing. Call `finish()` before reading the tables.
struct RecordBatch {
    /// Decoded records in order (published or not), for the cache.
    private(set) var records: [BusRecord] = []
    /// The sequence of the last record published, if any was.
    private(set) var lastPublishedSequence: UInt64?
    /// The next offset to consume per partition.
    private(set) var nextOffsets: [PartitionKey: Int64] = [:]
    private(set) var consumedPerTopic: [String: Int] = [:]
    private(set) var publishedPerTopic: [String: Int] = [:]
    private var run: Run?

    private struct Run {
        var partition: PartitionKey
        var nextOffset: Int64
        var consumed = 0
        var published = 0
    }

    var isEmpty: Bool { run == nil && nextOffsets.isEmpty }

    mutating func consumed(_ message: KafkaMessage) {
        consumed(topic: message.topic, partition: message.partition, offset: message.offset)
    }

    /// The record at `offset` of the partition was consumed (published, skipped or not).
    mutating func consumed(topic: String, partition: Int32, offset: Int64) {
        if let current = run, current.partition.partition == partition, current.partition.topic == topic {
            run!.nextOffset = offset + 1
            run!.consumed += 1
        } else {
            endRun()
            run = Run(partition: PartitionKey(topic: topic, partition: partition), nextOffset: offset + 1, consumed: 1)
        }
    }

    /// A record of the message last passed to `consumed` went out on the bus.
    mutating func published(_ record: BusRecord) {
        records.append(record)
        lastPublishedSequence = record.sequence
        run?.published += 1
    }

    /// A record of the message last passed to `consumed` could not be published.
    mutating func unpublished(_ record: BusRecord) {
        records.append(record)
    }

    /// Folds the current run into the tables.
    mutating func finish() {
        endRun()
    }

    private mutating func endRun() {
        guard let run else { return }
        nextOffsets[run.partition] = run.nextOffset
        consumedPerTopic[run.partition.topic, default: 0] += run.consumed
        if run.published > 0 { publishedPerTopic[run.partition.topic, default: 0] += run.published }
        self.run = nil
    }
}
