@testable import RealtimeService
import Bus
import RecordFilter
import SocketIO
import Testing
import Visibility

/// Issue 19: the conflation logic on virtual time (explicit instants, no sleeps): latest per key
/// per window, order across keys, no stale value after a window, the key bound, the rate cap.
struct ConflatorTests {
    typealias Instant = ContinuousClock.Instant
    /// A record: its key's name and a version that grows with every record of the key.
    struct Item: Sendable, Equatable { let key: String; let version: Int }

    let start = ContinuousClock.now
    func at(_ milliseconds: Int) -> Instant { start + .milliseconds(milliseconds) }
    func key(_ name: String) -> ConflationKey { ConflationKey(topic: "t", key: Array(name.utf8), partition: 0) }

    func conflator(every: Int? = nil, rate: Int? = nil, maxKeys: Int = 1000) -> Conflator<Item> {
        Conflator(settings: ConflationSettings(everyMilliseconds: every, maxPerSecond: rate), maxKeys: maxKeys)
    }

    /// Offers `item` at `time`, expecting no early flush.
    func offer(_ conflator: inout Conflator<Item>, _ name: String, _ version: Int, at time: Int) {
        let early = conflator.offer(Item(key: name, version: version), key: key(name), now: at(time))
        #expect(early.isEmpty)
    }

    @Test func aWindowSendsOnlyTheNewestRecordOfEachKeyAtItsEnd() {
        var c = conflator(every: 100)
        for version in 0..<10 {
            offer(&c, "a", version, at: version * 5)
            offer(&c, "b", version, at: version * 5 + 1)
        }
        #expect(c.release(now: at(99)).isEmpty, "nothing before the window's end")
        #expect(c.nextDeadline == at(100))
        #expect(c.release(now: at(100)) == [Item(key: "a", version: 9), Item(key: "b", version: 9)])
        #expect(c.release(now: at(200)).isEmpty, "each record goes out once")
        #expect(c.nextDeadline == nil)
        #expect(c.takeCounts().superseded == 18)
    }

    @Test func keysGoOutInTheOrderTheirNewestRecordArrived() {
        var c = conflator(every: 50)
        offer(&c, "a", 0, at: 0)
        offer(&c, "b", 0, at: 1)
        offer(&c, "c", 0, at: 2)
        offer(&c, "a", 1, at: 3)
        #expect(c.release(now: at(50)).map(\.key) == ["b", "c", "a"])
    }

    @Test func noStaleValueFollowsANewerOneAcrossWindows() {
        var c = conflator(every: 100)
        var sent: [Item] = []
        var version = 0
        // Records of three keys every 7 ms for 2 s, windows released on 5 ms ticks.
        for time in stride(from: 0, through: 2000, by: 1) {
            if time % 7 == 0 {
                for name in ["a", "b", "c"] {
                    offer(&c, name, version, at: time)
                    version += 1
                }
            }
            if time % 5 == 0 { sent += c.release(now: at(time)) }
        }
        sent += c.release(now: at(3000))
        for name in ["a", "b", "c"] {
            let versions = sent.filter { $0.key == name }.map(\.version)
            #expect(versions == versions.sorted() && Set(versions).count == versions.count, "\(name): \(versions)")
            #expect(versions.last == version - (name == "a" ? 3 : name == "b" ? 2 : 1), "the newest value last")
            // One per window: 2 s of 100 ms windows (each opened by the first record after the last closed).
            #expect(versions.count <= 21, "\(versions.count)")
        }
    }

    @Test func aWindowOpensWithTheFirstRecordAfterTheLastClosed() {
        var c = conflator(every: 100)
        offer(&c, "a", 0, at: 0)
        #expect(c.release(now: at(100)) == [Item(key: "a", version: 0)])
        #expect(c.release(now: at(250)).isEmpty)
        offer(&c, "a", 1, at: 300)
        #expect(c.release(now: at(399)).isEmpty)
        #expect(c.release(now: at(400)) == [Item(key: "a", version: 1)])
    }

    @Test func recordsWithoutAKeyAreConflatedPerPartition() {
        let p0 = ConflationKey(topic: "t", key: nil, partition: 0)
        let p1 = ConflationKey(topic: "t", key: nil, partition: 1)
        #expect(p0 != p1 && p0 != ConflationKey(topic: "u", key: nil, partition: 0))
        #expect(ConflationKey(topic: "t", key: [1], partition: 0) == ConflationKey(topic: "t", key: [1], partition: 3),
                "a key is the same key in any partition")
        var c = conflator(every: 10)
        _ = c.offer(Item(key: "p0", version: 0), key: p0, now: at(0))
        _ = c.offer(Item(key: "p0", version: 1), key: p0, now: at(1))
        _ = c.offer(Item(key: "p1", version: 0), key: p1, now: at(2))
        #expect(c.release(now: at(10)) == [Item(key: "p0", version: 1), Item(key: "p1", version: 0)])
    }

    @Test func theKeyBoundFlushesTheWindowEarly() {
        var c = conflator(every: 1000, maxKeys: 3)
        offer(&c, "a", 0, at: 0)
        offer(&c, "b", 0, at: 1)
        offer(&c, "c", 0, at: 2)
        offer(&c, "a", 1, at: 3)
        #expect(c.heldKeys == 3)
        let early = c.offer(Item(key: "d", version: 0), key: key("d"), now: at(4))
        #expect(early == [Item(key: "b", version: 0), Item(key: "c", version: 0), Item(key: "a", version: 1)])
        #expect(c.heldKeys == 1)
        #expect(c.nextDeadline == at(1004), "the new key opens a new window")
        #expect(c.release(now: at(1004)) == [Item(key: "d", version: 0)])
        #expect(c.takeCounts() == ConflationCounts(superseded: 1, capped: 0, earlyFlushes: 1, dropped: 0))
    }

    @Test func theKeyBoundDropsTheOldestWhenTheCapHoldsTheFlush() {
        var c = conflator(rate: 1, maxKeys: 2)
        offer(&c, "a", 0, at: 0)
        #expect(c.release(now: at(0)) == [Item(key: "a", version: 0)])
        offer(&c, "b", 0, at: 1)
        offer(&c, "c", 0, at: 2)
        #expect(c.release(now: at(2)).isEmpty, "the cap allows one a second")
        #expect(c.offer(Item(key: "d", version: 0), key: key("d"), now: at(3)).isEmpty)
        #expect(c.release(now: at(1000)) == [Item(key: "c", version: 0)], "b, the oldest held, was dropped")
        #expect(c.release(now: at(2000)) == [Item(key: "d", version: 0)])
        let counts = c.takeCounts()
        #expect(counts.dropped == 1 && counts.earlyFlushes == 1)
    }

    @Test func theCapHoldsAtMostRInAnySecondAndConflatesTheRestPerKey() {
        var c = conflator(rate: 10)
        var sends: [(time: Int, item: Item)] = []
        var newest: [String: Int] = [:]
        // 200 records/s over 8 keys for 3 s, released after each record and on 1 ms ticks.
        for time in 0..<3000 {
            if time % 5 == 0 {
                let name = "k\(time / 5 % 8)"
                newest[name] = time
                offer(&c, name, time, at: time)
            }
            sends += c.release(now: at(time)).map { (time, $0) }
        }
        for time in 3000..<5000 { sends += c.release(now: at(time)).map { (time, $0) } }
        for (index, send) in sends.enumerated() {
            let window = sends[index...].prefix { $0.time < send.time + 1000 }
            #expect(window.count <= 10, "\(window.count) sends in the second from \(send.time) ms")
        }
        let whileBusy = sends.filter { $0.time < 3000 }.count
        #expect(whileBusy >= 28, "about R a second go out while records come: \(whileBusy)")
        #expect(sends.count - whileBusy <= 8, "then what is held, at most one per key")
        for (name, version) in newest {
            let versions = sends.filter { $0.item.key == name }.map(\.item.version)
            #expect(versions == versions.sorted(), "\(name) never goes back")
            #expect(versions.last == version, "\(name) ends with its newest value")
        }
        let counts = c.takeCounts()
        #expect(counts.capped > 0 && counts.superseded > 0)
        #expect(counts.superseded + sends.count == 600)
    }

    @Test func underTheCapRecordsGoOutAtOnce() {
        var c = conflator(rate: 5)
        for version in 0..<5 {
            offer(&c, "a", version, at: version)
            #expect(c.release(now: at(version)) == [Item(key: "a", version: version)])
        }
        offer(&c, "a", 5, at: 10)
        offer(&c, "a", 6, at: 20)
        #expect(c.release(now: at(20)).isEmpty)
        #expect(c.nextDeadline == at(1000))
        #expect(c.release(now: at(1000)) == [Item(key: "a", version: 6)])
    }

    @Test func aWindowAndACapTogether() {
        var c = conflator(every: 100, rate: 2)
        for name in ["a", "b", "c"] { offer(&c, name, 0, at: 0) }
        #expect(c.release(now: at(100)).map(\.key) == ["a", "b"])
        offer(&c, "c", 1, at: 150)
        #expect(c.release(now: at(200)).isEmpty, "the cap still holds c")
        #expect(c.nextDeadline == at(1100))
        #expect(c.release(now: at(1100)) == [Item(key: "c", version: 1)], "c's newest value, not the stale one")
    }

    @Test func subscribeArgumentsAreValidated() throws {
        func change(_ members: [(key: String, value: JSONValue)]) -> Result<ConflationChange, SubscriptionRefusal> {
            RealtimeHub.conflationChange(from: [.object([("topics", .array([.string("t")]))] + members)])
        }
        func refusal(_ members: [(key: String, value: JSONValue)]) -> String? {
            if case .failure(let refusal) = change(members) { return refusal.message }
            return nil
        }
        #expect(try change([("conflate", .object([("everyMs", .int(250))])), ("maxPerSecond", .int(20))]).get()
                == ConflationChange(everyMilliseconds: .some(250), maxPerSecond: .some(20)))
        #expect(try change([]).get() == .keep)
        #expect(try change([("conflate", .null)]).get() == ConflationChange(everyMilliseconds: .some(nil), maxPerSecond: nil))
        for bad: JSONValue in [.int(9), .int(60_001), .double(10.5), .string("100"), .int(-1)] {
            #expect(refusal([("conflate", .object([("everyMs", bad)]))])?.contains("[bad-conflate]") == true, "\(bad)")
        }
        #expect(refusal([("conflate", .int(100))])?.contains("[bad-conflate]") == true)
        #expect(refusal([("conflate", .object([("everyMs", .int(100)), ("x", .int(1))]))])?.contains("[bad-conflate]") == true)
        for bad: JSONValue in [.int(0), .int(100_001), .string("5"), .double(1.5), .bool(true)] {
            #expect(refusal([("maxPerSecond", bad)])?.contains("[bad-max-per-second]") == true, "\(bad)")
        }
        let settings = ConflationSettings(everyMilliseconds: 100, maxPerSecond: nil)
        #expect(ConflationChange(everyMilliseconds: .some(nil), maxPerSecond: nil).applied(to: settings) == nil)
        #expect(ConflationChange.keep.applied(to: settings) == settings)
        #expect(settings.roomKey(filter: nil, viewer: nil)
            != ConflationSettings(everyMilliseconds: 100, maxPerSecond: 5).roomKey(filter: nil, viewer: nil))
        #expect(settings.roomKey(filter: "a", viewer: nil) != settings.roomKey(filter: nil, viewer: nil))
        // Merchants never share a group: each group takes only what its identity may see.
        #expect(settings.roomKey(filter: nil, viewer: .merchant("m1")) != settings.roomKey(filter: nil, viewer: .merchant("m2")))
        #expect(settings.roomKey(filter: nil, viewer: .operator) != settings.roomKey(filter: nil, viewer: nil))
    }

    @Test func theHistoryGivesTheLatestRecordOfEachKeyItHolds() throws {
        var history = PayloadHistory(capacity: 6)
        func record(_ offset: Int64, _ key: String?, partition: Int32 = 0) -> BusRecord {
            BusRecord(topic: "t", partition: partition, offset: offset, key: key.map { Array("\"\($0)\"".utf8) },
                      value: Array(#"{"n":\#(offset)}"#.utf8))
        }
        // "old" is pushed out of the history of 6: keys older than the history are not included.
        let records = [record(0, "old"), record(1, "a"), record(2, "b"), record(3, "a"), record(4, nil),
                       record(5, nil, partition: 1), record(6, nil), record(7, "b")]
        for record in records { history.append(Array("\(record.offset)".utf8), record: record) }
        #expect(history.latestPerKey().map(\.offset) == [3, 5, 6, 7])
        let filter = try RecordFilter(text: "offset < 7")
        #expect(history.latestPerKey(matching: filter).map(\.offset) == [2, 3, 5, 6], "the newest that passes")
    }
}
