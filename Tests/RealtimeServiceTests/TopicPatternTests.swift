import Bus
import RealtimeService
import Testing

/// Topic names and glob patterns of `subscribe`, and the history ring.
struct TopicPatternTests {
    @Test(arguments: [
        ("buyOffer", "buyOffer", true), ("buyOffer", "buyOffers", false), ("buy*", "buyOffer", true),
        ("buy*", "sellOffer", false), ("*Offer", "buyOffer", true), ("stcs.*", "stcs.solar", true),
        ("stcs.?", "stcs.ab", false), ("stcs.??", "stcs.ab", true), ("*", "anything", true),
        ("a*b*c", "axxbyyc", true), ("a*b*c", "axxbyy", false),
    ])
    func matches(pattern: String, topic: String, expected: Bool) {
        #expect(TopicPattern(pattern).matches(topic) == expected)
    }

    @Test func historyKeepsTheNewestOldestFirst() {
        var history = PayloadHistory(capacity: 3)
        #expect(history.jsonArray == Array("[]".utf8))
        for n in 1...5 { history.append(Array("\(n)".utf8)) }
        #expect(history.count == 3)
        #expect(String(decoding: history.jsonArray, as: UTF8.self) == "[3,4,5]")
        #expect(history.elements.map { String(decoding: $0, as: UTF8.self) } == ["3", "4", "5"])
    }

    /// The whole history's JSON text is built once per change: read again, it is the same; after
    /// an append or a late insert it is new; a copy changed apart from its original never hands
    /// the original's text out, nor the other way round.
    @Test func theWholeHistoryTextFollowsEveryChangeAndNoCopyIsStale() {
        func text(_ history: PayloadHistory) -> String { String(decoding: history.jsonArray, as: UTF8.self) }
        func record(_ timestamp: Int64) -> BusRecord {
            BusRecord(topic: "t", partition: 0, offset: timestamp, timestamp: timestamp, key: nil, value: nil)
        }
        var history = PayloadHistory(capacity: 3)
        history.append(Array("1".utf8), record: record(10))
        #expect(text(history) == "[1]" && text(history) == "[1]")
        var copy = history
        copy.append(Array("2".utf8), record: record(20))
        #expect(text(copy) == "[1,2]")
        #expect(text(history) == "[1]")
        history.insertByTimestamp(Array("0".utf8), record: record(5))
        #expect(text(history) == "[0,1]")
        #expect(text(copy) == "[1,2]")
        for n in 3...4 { copy.append(Array("\(n)".utf8), record: record(Int64(n * 10))) }
        #expect(text(copy) == "[2,3,4]")
        #expect(copy.jsonArray(matching: nil, visibleTo: nil) == copy.jsonArray)
    }
}
