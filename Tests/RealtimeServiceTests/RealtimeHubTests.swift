import Bus
import Foundation
import Logging
import RealtimeService
import SocketIO
import Testing

/// The hub's state: deduplication across publishers and restarts, history bounds, status.
struct RealtimeHubTests {
    func makeHub(historySize: Int = 3) -> RealtimeHub {
        var configuration = RealtimeConfiguration()
        configuration.historySize = historySize
        return RealtimeHub(io: SocketIOServer(), configuration: configuration, logger: Logger(label: "test"))
    }

    func record(_ topic: String, _ partition: Int32, _ offset: Int64, epoch: UInt64 = 1) -> BusRecord {
        BusRecord(topic: topic, partition: partition, offset: offset, timestamp: 1000 + offset, key: nil,
                  value: Array(#"{"n":\#(offset)}"#.utf8), sequence: UInt64(offset + 1), epoch: epoch)
    }

    func status(_ hub: RealtimeHub) throws -> [String: [String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(hub.statusJSON())) as? [String: [String: Any]])
    }

    @Test func recordsFromTwoPublishersAreAppliedOnce() throws {
        let hub = makeHub()
        let records = (0..<5).map { record("a", 0, $0) }
        hub.apply(records, fromSnapshot: false)
        hub.apply(records.map { var r = $0; r.epoch = 2; return r }, fromSnapshot: false)
        hub.apply([record("a", 1, 0)], fromSnapshot: false)
        let a = try #require(try status(hub)["a"])
        #expect(a["records_seen"] as? Int == 6)
        let last = try #require(a["last_record"] as? [String: Any])
        #expect(last["partition"] as? Int == 1)
        #expect(hub.topicNames == ["a"])
    }

    @Test func snapshotAfterRestartOnlyAddsNewerOffsets() throws {
        let hub = makeHub()
        hub.apply((0..<3).map { record("a", 0, $0) }, fromSnapshot: true)
        #expect(hub.isSynced)
        // A restarted publisher replays its cache (offsets 1...4) under a new epoch.
        hub.apply((1..<5).map { record("a", 0, $0, epoch: 9) }, fromSnapshot: true)
        let a = try #require(try status(hub)["a"])
        #expect(a["records_seen"] as? Int == 5)
        let last = try #require(a["last_record"] as? [String: Any])
        #expect(last["offset"] as? Int == 4)
        #expect((last["value"] as? [String: Int])?["n"] == 4)
    }

    @Test func gapsAreFoundWhereASnapshotStartsAfterWhatWasDelivered() {
        let hub = makeHub()
        hub.apply((0..<3).map { record("a", 0, $0) } + [record("b", 0, 0)], fromSnapshot: true)
        // Publisher came back: a's cache starts at 10 (3...9 missed), b's at 1 (no gap), c is new.
        let gaps = hub.gaps(before: (10..<13).map { record("a", 0, $0) } + [record("b", 0, 1), record("c", 0, 5)])
        #expect(gaps == [TopicPartition(topic: "a", partition: 0): 3])
    }

    /// A snapshot that ends before what was delivered (a lagging publisher, or a recreated topic)
    /// is asked about; when the replay says the partition restarted, its new records are applied
    /// though their offsets were delivered before (issue 12).
    @Test func aPartitionThatRestartedIsAskedAboutAndRewound() throws {
        let hub = makeHub(historySize: 10)
        hub.apply((0..<10).map { record("a", 0, $0) }, fromSnapshot: true)
        let restarted = (Int64(0)..<3).map { offset -> BusRecord in
            var fresh = record("a", 0, offset, epoch: 2)
            fresh.value = Array(#"{"new":\#(offset)}"#.utf8)
            return fresh
        }
        #expect(hub.gaps(before: restarted) == [TopicPartition(topic: "a", partition: 0): 10])
        hub.apply(restarted, fromSnapshot: true)
        #expect(try status(hub)["a"]?["records_seen"] as? Int == 10, "without a rewind they are duplicates")
        hub.rewind(TopicPartition(topic: "a", partition: 0), next: 0)
        hub.apply(restarted, fromSnapshot: true)
        let a = try #require(try status(hub)["a"])
        #expect(a["records_seen"] as? Int == 13)
        #expect(((a["last_record"] as? [String: Any])?["value"] as? [String: Int])?["new"] == 2)
        // A rewind to where delivery already stands changes nothing.
        hub.rewind(TopicPartition(topic: "a", partition: 0), next: 3)
        hub.apply(restarted, fromSnapshot: true)
        #expect(try status(hub)["a"]?["records_seen"] as? Int == 13)
    }

    /// A topic recreated while the publisher ran: its snapshot holds none of the partition's new
    /// records yet (or records past what was delivered), only a rewound GAP naming it. The
    /// partition is asked about all the same, and only partitions this replica delivered.
    @Test func aPartitionTheSnapshotNamesAsRestartedIsAskedAbout() {
        let hub = makeHub(historySize: 10)
        hub.apply((0..<10).map { record("a", 0, $0) } + [record("b", 0, 4)], fromSnapshot: true)
        let restarted = [BusReplayGap(topic: "a", partition: 0, requested: 10, available: 0, kind: .rewound),
                         BusReplayGap(topic: "never-delivered", partition: 0, requested: 10, available: 0, kind: .rewound)]
        #expect(hub.gaps(before: [record("b", 0, 4)], restarted: restarted) == [TopicPartition(topic: "a", partition: 0): 10])
        // Even when the new log already holds more records than were delivered before.
        let grown = (0..<12).map { record("a", 0, $0, epoch: 2) }
        #expect(hub.gaps(before: grown, restarted: restarted) == [TopicPartition(topic: "a", partition: 0): 10])
        #expect(hub.gaps(before: grown).isEmpty, "without the GAP, nothing tells")
    }

    @Test func clientCountsOfOtherReplicasAddUpAndOwnIsIgnored() {
        var configuration = RealtimeConfiguration()
        configuration.replicaID = "me"
        let hub = RealtimeHub(io: SocketIOServer(), configuration: configuration, logger: Logger(label: "test"))
        hub.updateRemoteClients(["me": 7, "other": 2, "third": 3])
        #expect(hub.totalClients == 5)
        hub.updateRemoteClients(["other": 1])
        #expect(hub.totalClients == 1)
    }

    @Test func hugeReportedCountsAreClampedAndSummedSaturating() {
        let hub = RealtimeHub(io: SocketIOServer(), configuration: RealtimeConfiguration(), logger: Logger(label: "test"))
        hub.updateRemoteClients(["x": Int.max, "y": Int.max, "z": -5])
        #expect(hub.totalClients == 2_000_000_000)
        hub.updateRemoteClients(Dictionary(uniqueKeysWithValues: (0..<10_000).map { ("r\($0)", Int.max) }))
        #expect(hub.totalClients == 10_000 * 1_000_000_000)
    }
}
