import Bus
import Testing

@Suite("Bus subscription census")
struct BusSubscriptionCensusTests {
    typealias Change = BusSubscriptionCensus.Change
    let all: [UInt8] = []
    func announcement(_ prefix: String) -> [UInt8] { BusSubscriptionCensus.packsAnnouncement(for: Array(prefix.utf8)) }

    @Test func readsSubscriptionMessages() {
        #expect(Change(message: [[1, 0x61, 0x62]]) == .subscribe([0x61, 0x62]))
        #expect(Change(message: [[1]]) == .subscribe([]))
        #expect(Change(message: [[0, 0x61]]) == .unsubscribe([0x61]))
        // Anything else an XSUB may send upstream is not a subscription.
        #expect(Change(message: [[]]) == nil)
        #expect(Change(message: [[2, 0x61]]) == nil)
        #expect(Change(message: [[1, 0x61], [0x62]]) == nil)
        #expect(Change(message: []) == nil)
        #expect(announcement("a") == [0] + Array("bus-v3".utf8) + [0, 0x61])
    }

    @Test func packsOnlyWhileEverySubscriberAnnouncedThem() {
        var census = BusSubscriptionCensus()
        #expect(census.everySubscriberReadsPacks, "nobody to send to")
        census.apply(.subscribe(all))
        #expect(!census.everySubscriberReadsPacks, "one subscriber, no announcement yet")
        census.apply(.subscribe(announcement("")))
        #expect(census.everySubscriberReadsPacks)
        census.apply(.subscribe(all))  // an older subscriber joins
        #expect(!census.everySubscriberReadsPacks)
        #expect(census.holders(of: all) == 2)
        census.apply(.unsubscribe(all))  // and leaves
        #expect(census.everySubscriberReadsPacks)
        census.apply(.unsubscribe(announcement("")))
        #expect(!census.everySubscriberReadsPacks, "the remaining holder announced nothing")
        census.apply(.unsubscribe(all))
        #expect(census.everySubscriberReadsPacks)
        #expect(census == BusSubscriptionCensus(), "everything counted was forgotten")
    }

    @Test func eachPrefixNeedsItsOwnAnnouncement() {
        var census = BusSubscriptionCensus()
        census.apply(.subscribe(Array("orders.".utf8)))
        census.apply(.subscribe(announcement("orders.")))
        #expect(census.everySubscriberReadsPacks)
        // An announcement for another prefix does not cover this one.
        census.apply(.subscribe(Array("payments".utf8)))
        census.apply(.subscribe(announcement("")))
        #expect(!census.everySubscriberReadsPacks)
        census.apply(.subscribe(announcement("payments")))
        #expect(census.everySubscriberReadsPacks)
        // A lone announcement holds nothing back.
        census.apply(.subscribe(announcement("x")))
        #expect(census.everySubscriberReadsPacks)
    }

    @Test func unsubscriptionsOfNothingCountedAreIgnored() {
        var census = BusSubscriptionCensus()
        census.apply(.unsubscribe(all))
        census.apply(.unsubscribe(announcement("")))
        #expect(census == BusSubscriptionCensus())
        census.apply(.subscribe(all))
        census.apply(.unsubscribe(announcement("")))  // no announcement to remove: stays at zero
        census.apply(.subscribe(announcement("")))
        #expect(census.everySubscriberReadsPacks)
    }

    /// Past the tracked prefixes, a new subscription keeps packs off until an unsubscription of
    /// an unknown prefix says it left.
    @Test func prefixesPastTheLimitKeepPacksOff() {
        var census = BusSubscriptionCensus()
        for index in 0..<BusSubscriptionCensus.maximumPrefixes / 2 {
            census.apply(.subscribe(Array("t\(index)".utf8)))
            census.apply(.subscribe(announcement("t\(index)")))
        }
        #expect(census.everySubscriberReadsPacks && census.untracked == 0)
        census.apply(.subscribe(Array("late".utf8)))
        #expect(census.untracked == 1 && !census.everySubscriberReadsPacks)
        census.apply(.subscribe(Array("t0".utf8)))  // a known prefix is still counted
        #expect(census.holders(of: Array("t0".utf8)) == 2 && census.untracked == 1)
        census.apply(.unsubscribe(Array("t0".utf8)))
        census.apply(.unsubscribe(Array("late".utf8)))
        #expect(census.untracked == 0 && census.everySubscriberReadsPacks)
    }
}
