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
        #expect(snapshot.lastSequence == 6)
        #expect(cache.latest().map(\.offset) == [4, 0])
    }

    @Test func historyDoesNotMoveTheSequence() {
        let cache = RecordCache(historySize: 10)
        cache.insert(record("a", 0, sequence: 1), published: true)
        cache.insertHistory([record("b", 0), record("b", 1)])
        #expect(cache.snapshot().lastSequence == 1)
        #expect(cache.count(topic: "b") == 2)
    }

    @Test func snapshotFiltersByPrefix() {
        let cache = RecordCache(historySize: 10)
        cache.insert(record("stcs.a", 0, sequence: 1), published: true)
        cache.insert(record("other", 0, sequence: 2), published: true)
        #expect(cache.snapshot(topicPrefix: "stcs.").records.map(\.topic) == ["stcs.a"])
        #expect(cache.snapshot(topicPrefix: "stcs.").lastSequence == 2)
    }
}
