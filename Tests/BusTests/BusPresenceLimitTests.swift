import Bus
import Foundation
import Testing

/// Issue 11: presence counts from bus peers are bounded, so no table's sum can overflow.
@Suite("Bus presence limits")
struct BusPresenceLimitTests {
    @Test func aHugeCountIsRefusedAndTheTableIsUnchanged() throws {
        let table = BusPresenceTable(maximumReplicas: 4, maximumClientsPerReplica: 1000)
        let start = ContinuousClock.now
        try table.report(.init(replica: "good", clients: 10, ttlMilliseconds: 5000), now: start)
        for replica in ["evil-1", "evil-2"] {
            #expect(throws: BusRequestRefusal.self) {
                try table.report(.init(replica: replica, clients: Int.max, ttlMilliseconds: 5000), now: start)
            }
        }
        #expect(throws: BusRequestRefusal.self) {
            try table.report(.init(replica: "good", clients: 1001, ttlMilliseconds: 5000), now: start)
        }
        #expect(table.current(now: start).replicas == ["good": 10])
    }

    @Test func theNumberOfReplicasIsBoundedUntilOnesExpire() throws {
        let table = BusPresenceTable(maximumReplicas: 2)
        let start = ContinuousClock.now
        try table.report(.init(replica: "a", clients: 1, ttlMilliseconds: 1000), now: start)
        try table.report(.init(replica: "b", clients: 1, ttlMilliseconds: 5000), now: start)
        let refusal = #expect(throws: BusRequestRefusal.self) {
            try table.report(.init(replica: "c", clients: 1, ttlMilliseconds: 5000), now: start)
        }
        #expect(refusal?.limit == "presence_replicas")
        // Known replicas still update, and withdrawing is always accepted.
        try table.report(.init(replica: "b", clients: 2, ttlMilliseconds: 5000), now: start)
        try table.report(.init(replica: "c", clients: 0, ttlMilliseconds: 0), now: start)
        // Once a expires, c fits.
        try table.report(.init(replica: "c", clients: 3, ttlMilliseconds: 5000), now: start + .milliseconds(1500))
        #expect(table.current(now: start + .milliseconds(1500)).replicas == ["b": 2, "c": 3])
    }

    @Test func aReceivedTableWithOverflowingCountsIsMalformedAndSumsSaturate() {
        let huge = #"{"replicas":{"a":9223372036854775807,"b":9223372036854775807}}"#
        #expect(throws: BusProtocolError.self) {
            try BusPresence(frames: [[], Array("PRESENCE".utf8), Array(huge.utf8)])
        }
        #expect(throws: BusProtocolError.self) {
            try BusPresence(frames: [[], Array("PRESENCE".utf8), Array(#"{"replicas":{"a":-1}}"#.utf8)])
        }
        #expect(BusPresence(replicas: ["a": Int.max, "b": Int.max]).totalClients == Int.max)
    }
}
