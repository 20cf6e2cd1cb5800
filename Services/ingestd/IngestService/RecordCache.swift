import Bus
import Synchronization

/// Per topic, the last `historySize` records (the last of them is the topic's latest value),
/// together with the sequence number of the last record published, read and written atomically
/// so a snapshot is consistent with exactly one point of the live stream.
public final class RecordCache: Sendable {
    private struct State {
        var topics: [String: TopicHistory] = [:]
        var lastSequence: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Records kept per topic.
    public let historySize: Int

    public init(historySize: Int) {
        self.historySize = historySize
    }

    /// Adds a record; a `published` record also moves the snapshot's sequence to its own.
    public func insert(_ record: BusRecord, published: Bool) {
        insert([record], lastPublishedSequence: published ? record.sequence : nil)
    }

    /// Adds a batch of records in order; `lastPublishedSequence`, when given, becomes the
    /// snapshot's sequence in the same step. Only each topic's last `historySize` records of the
    /// batch are kept, so a large batch costs no more than a full ring.
    public func insert(_ records: [BusRecord], lastPublishedSequence: UInt64?) {
        guard !records.isEmpty else { return }
        let size = historySize
        var kept = records[...]
        if records.count > size {
            // Per topic, only the last `size` can survive; find the earliest index that can.
            var remaining: [String: Int] = [:]
            var start = records.count
            for index in records.indices.reversed() {
                let left = remaining[records[index].topic, default: size]
                if left > 0 { remaining[records[index].topic] = left - 1; start = index }
            }
            kept = records[start...]
        }
        state.withLock { state in
            for record in kept {
                state.topics[record.topic, default: TopicHistory(capacity: size)].append(record)
            }
            if let lastPublishedSequence { state.lastSequence = lastPublishedSequence }
        }
    }

    /// Adds records read back from Kafka (not published live).
    public func insertHistory(_ records: [BusRecord]) {
        guard !records.isEmpty else { return }
        let size = historySize
        state.withLock { state in
            for record in records {
                state.topics[record.topic, default: TopicHistory(capacity: size)].append(record)
            }
        }
    }

    /// Every cached record of topics starting with `prefix` (oldest first per topic, topics by
    /// name), and the last published sequence the snapshot is consistent with.
    public func snapshot(topicPrefix prefix: String = "") -> (records: [BusRecord], lastSequence: UInt64) {
        state.withLock { state in
            var records: [BusRecord] = []
            for topic in state.topics.keys.sorted() where topic.hasPrefix(prefix) {
                records.append(contentsOf: state.topics[topic]!.records)
            }
            return (records, state.lastSequence)
        }
    }

    /// The latest record of each topic.
    public func latest() -> [BusRecord] {
        state.withLock { state in state.topics.keys.sorted().compactMap { state.topics[$0]?.records.last } }
    }

    /// Number of records cached for `topic`.
    public func count(topic: String) -> Int {
        state.withLock { $0.topics[topic]?.count ?? 0 }
    }
}
