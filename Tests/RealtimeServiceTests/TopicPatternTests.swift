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
}
