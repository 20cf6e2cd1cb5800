import Bus
import Kafka
import Synchronization

/// Per topic, the last `historySize` records (the last of them is the topic's latest value),
/// together with the publisher epoch and the sequence number of the last record published, read
/// and written atomically so a snapshot is consistent with exactly one point of the live stream.
///
/// It also remembers the partitions that restarted below ingestd's position while it ran (their
/// topic was deleted and created again): a snapshot names them in GAPs (kind *rewound*), so a
/// subscriber that delivered their old offsets asks Kafka where they stand now.
public final class RecordCache: Sendable {
    private struct State {
        var topics: [String: TopicHistory] = [:]
        var lastSequence: UInt64 = 0
        var epoch: UInt64
        var rewound: [PartitionKey: BusReplayGap] = [:]
    }

    private let state: Mutex<State>
    /// Records kept per topic.
    public let historySize: Int

    /// - Parameters:
    ///   - historySize: records kept per topic.
    ///   - epoch: the publisher epoch snapshots start with.
    public init(historySize: Int, epoch: UInt64 = .random(in: 1...UInt64.max)) {
        self.historySize = historySize
        state = Mutex(State(epoch: epoch))
    }

    /// The epoch and last published sequence the cache is consistent with now.
    public var end: BusEndMarker {
        state.withLock { BusEndMarker(epoch: $0.epoch, sequence: $0.lastSequence) }
    }

    /// A partition restarted below ingestd's position (its topic was recreated or truncated):
    /// its cached records, which belong to the old log, go, and the cache moves to `newEpoch` in
    /// the same step, so every snapshot either still shows the old log under the old epoch or
    /// names the partition in a GAP under the new one. The publisher must move to `newEpoch`
    /// before it publishes anything more.
    public func rewind(_ gap: BusReplayGap, newEpoch: UInt64) {
        state.withLock { state in
            state.topics[gap.topic]?.removeRecords(ofPartition: gap.partition)
            state.rewound[PartitionKey(topic: gap.topic, partition: gap.partition)] = gap
            state.epoch = newEpoch
        }
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
            // Records come in runs of one topic: look a topic up once per run, not per record.
            var remaining: [String: Int] = [:]
            var start = records.count
            var index = records.count - 1
            while index >= 0 {
                let topic = records[index].topic
                var runStart = index
                while runStart > 0 && records[runStart - 1].topic == topic { runStart -= 1 }
                let left = remaining[topic, default: size]
                let taken = min(left, index - runStart + 1)
                if taken > 0 {
                    remaining[topic] = left - taken
                    start = index - taken + 1
                }
                index = runStart - 1
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
    /// name), the partitions of those topics that restarted while ingestd ran (GAPs of kind
    /// *rewound*), and the epoch and last published sequence the snapshot is consistent with.
    public func snapshot(topicPrefix prefix: String = "") -> BusSnapshot {
        state.withLock { state in
            var records: [BusRecord] = []
            for topic in state.topics.keys.sorted() where topic.hasPrefix(prefix) {
                records.append(contentsOf: state.topics[topic]!.records)
            }
            let gaps = state.rewound.values.filter { $0.topic.hasPrefix(prefix) }
                .sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
            return BusSnapshot(records: records, end: BusEndMarker(epoch: state.epoch, sequence: state.lastSequence),
                               gaps: gaps)
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
