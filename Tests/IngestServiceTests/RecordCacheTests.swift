import Bus
import IngestService
import Testing

@Suite struct RecordCacheTests {
    func record(_ topic: String, _ offset: Int64, sequence: UInt64 = 0) -> BusRecord {
        BusRecord(topic: topic, partition: 0, offset: offset, key: nil, value: Array("\(offset)".utf8), sequence: sequence)
    }

    @Test func keepsTheLastRecordsPerTopicOldestFirst() {
        let cache = RecordCache(historySize: 3)
        for offset in 0..<5 { cache.insert(record("a", Int64(offset), sequence: UInt64(offset + 1)), published: true) }
        cache.insert(record("b", 0, sequence: 6), published: true)
        let snapshot = cache.snapshot()
        #expect(snapshot.records.map(\.topic) == ["a", "a", "a", "b"])
        #expect(snapshot.records.map(\.offset) == [2, 3, 4, 0])
        #expect(snapshot.end.sequence == 6)
        #expect(cache.latest().map(\.offset) == [4, 0])
    }

    /// A batch larger than the history (runs of topics, as a poll brings them) leaves what
    /// inserting its records one by one leaves.
    @Test(arguments: [1, 3, 7]) func aLargeBatchKeepsWhatOneByOneKeeps(historySize: Int) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var batch: [BusRecord] = []
            var next = [String: Int64]()
            while batch.count < 40 {
                let topic = ["a", "b", "c"].randomElement(using: &generator)!
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    batch.append(record(topic, next[topic, default: 0], sequence: UInt64(batch.count + 1)))
                    next[topic, default: 0] += 1
                }
            }
            let whole = RecordCache(historySize: historySize)
            whole.insert(batch, lastPublishedSequence: batch.last!.sequence)
            let single = RecordCache(historySize: historySize)
            for record in batch { single.insert(record, published: true) }
            #expect(whole.snapshot().records == single.snapshot().records)
            #expect(whole.snapshot().end.sequence == UInt64(batch.count))
        }
    }

    @Test func historyDoesNotMoveTheSequence() {
        let cache = RecordCache(historySize: 10)
        cache.insert(record("a", 0, sequence: 1), published: true)
        cache.insertHistory([record("b", 0), record("b", 1)])
        #expect(cache.end.sequence == 1)
        #expect(cache.count(topic: "b") == 2)
    }

    @Test func snapshotFiltersByPrefix() {
        let cache = RecordCache(historySize: 10)
        cache.insert(record("stcs.a", 0, sequence: 1), published: true)
        cache.insert(record("other", 0, sequence: 2), published: true)
        #expect(cache.snapshot(topicPrefix: "stcs.").records.map(\.topic) == ["stcs.a"])
        #expect(cache.snapshot(topicPrefix: "stcs.").end.sequence == 2)
    }

    /// A partition that restarted (its topic recreated) leaves the cache, the epoch moves and the
    /// snapshot names the partition in a rewound GAP, all in one step (issue 12).
    @Test func aRewoundPartitionLeavesTheCacheUnderANewEpoch() {
        let cache = RecordCache(historySize: 10, epoch: 1)
        for offset in 0..<4 {
            cache.insert(BusRecord(topic: "a", partition: Int32(offset % 2), offset: Int64(offset), key: nil, value: nil,
                                   sequence: UInt64(offset + 1)), published: true)
        }
        cache.insert(record("b", 0, sequence: 5), published: true)
        let gap = BusReplayGap(topic: "a", partition: 1, requested: 4, available: 0, kind: .rewound)
        cache.rewind(gap, newEpoch: 2)
        let snapshot = cache.snapshot()
        #expect(snapshot.end == BusEndMarker(epoch: 2, sequence: 5))
        #expect(snapshot.records.map { "\($0.topic)\($0.partition)@\($0.offset)" } == ["a0@0", "a0@2", "b0@0"])
        #expect(snapshot.gaps == [gap])
        #expect(cache.snapshot(topicPrefix: "b").gaps.isEmpty)
        // New records of the partition are cached again.
        cache.insert(BusRecord(topic: "a", partition: 1, offset: 0, key: nil, value: nil, sequence: 6), published: true)
        #expect(cache.snapshot(topicPrefix: "a").records.count == 3)
    }
}
