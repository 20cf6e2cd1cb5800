import Bus
import Foundation
import Logging
import RealtimeService
import SocketIO
import Testing

/// A realtimed that follows several publishers (ingestd shards that each own some partitions
/// of a topic): the topic's history and latest value are ordered by Kafka timestamp whatever
/// order the publishers' snapshots arrive in, and the shards' consumer lags add up.
struct ShardedPublishersHubTests {
    func makeHub(publishers: Int, historySize: Int = 4) -> RealtimeHub {
        var configuration = RealtimeConfiguration()
        configuration.historySize = historySize
        configuration.busConnect = (0..<publishers).map { "tcp://shard\($0):5556" }
        configuration.busSnapshotConnect = (0..<publishers).map { "tcp://shard\($0):5557" }
        return RealtimeHub(io: SocketIOServer(), configuration: configuration, logger: Logger(label: "test"))
    }

    /// Record `n` of topic `t`, Kafka timestamp `1000 + n`.
    func record(_ n: Int64, partition: Int32, offset: Int64, epoch: UInt64) -> BusRecord {
        BusRecord(topic: "t", partition: partition, offset: offset, timestamp: 1000 + n, key: nil,
                  value: Array(#"{"n":\#(n)}"#.utf8), sequence: UInt64(offset + 1), epoch: epoch)
    }

    /// Shard 0 owns partition 0 (even `n`), shard 1 partition 1 (odd `n`): n = 0...7 alternate.
    func snapshot(shard: Int32) -> [BusRecord] {
        (0..<4).map { offset in record(Int64(offset) * 2 + Int64(shard), partition: shard, offset: Int64(offset), epoch: 10 + UInt64(shard)) }
    }

    func topic(_ hub: RealtimeHub) throws -> [String: Any] {
        let status = try #require(try JSONSerialization.jsonObject(with: Data(hub.statusJSON())) as? [String: [String: Any]])
        return try #require(status["t"])
    }

    @Test(arguments: [[Int32(0), 1], [1, 0]])
    func snapshotsOfTwoShardsMergeByTimestampInEitherOrder(order: [Int32]) throws {
        let hub = makeHub(publishers: 2)
        for shard in order { hub.apply(snapshot(shard: shard), fromSnapshot: true) }
        let t = try topic(hub)
        #expect(t["records_seen"] as? Int == 8)
        // The latest value is the newest record of either shard (n = 7, shard 1), not the one
        // applied last.
        let last = try #require(t["last_record"] as? [String: Any])
        #expect((last["value"] as? [String: Int])?["n"] == 7 && last["partition"] as? Int == 1)
        #expect(t["messages"] as? Int == 4)
        let lastMessage = try #require(t["last_message"] as? [String: Any])
        #expect((lastMessage["value"] as? [String: Any])?["n"] as? Int == 7)
    }

    @Test func historyKeepsTheNewestByTimestampWhenRecordsArriveOutOfOrder() {
        var history = PayloadHistory(capacity: 4)
        for n: Int64 in [0, 2, 4, 6] {
            history.append(Array("\(n)".utf8), record: record(n, partition: 0, offset: n / 2, epoch: 1))
        }
        for n: Int64 in [1, 3, 5, 7] {
            let entry = record(n, partition: 1, offset: n / 2, epoch: 2)
            history.insertByTimestamp(Array("\(n)".utf8), record: entry)
        }
        #expect(history.elements.map { String(decoding: $0, as: UTF8.self) } == ["4", "5", "6", "7"])
        // Older than everything kept, with the history full: not kept.
        history.insertByTimestamp(Array("x".utf8), record: record(-5, partition: 1, offset: 9, epoch: 2))
        #expect(history.elements.map { String(decoding: $0, as: UTF8.self) } == ["4", "5", "6", "7"])
        // Equal timestamps keep arrival order.
        history.insertByTimestamp(Array("5b".utf8), record: record(5, partition: 2, offset: 0, epoch: 3))
        #expect(history.elements.map { String(decoding: $0, as: UTF8.self) } == ["5", "5b", "6", "7"])
    }

    /// One publisher: arrival order, exactly as before sharding existed.
    @Test func onePublisherKeepsArrivalOrder() throws {
        let hub = makeHub(publishers: 1)
        hub.apply([record(9, partition: 0, offset: 0, epoch: 1), record(3, partition: 1, offset: 0, epoch: 1)], fromSnapshot: false)
        let last = try #require(try topic(hub)["last_record"] as? [String: Any])
        #expect((last["value"] as? [String: Int])?["n"] == 3)
    }

    @Test func lagsOfShardsAddUpAndMirrorsReplaceEachOther() throws {
        let hub = makeHub(publishers: 2)
        hub.apply(snapshot(shard: 0), fromSnapshot: true)
        hub.updateConsumerLag(["t": 3], shard: "0/2")
        hub.updateConsumerLag(["t": 4], shard: "1/2")
        #expect(try topic(hub)["consumer_lag"] as? Int == 7)
        hub.updateConsumerLag(["t": 1], shard: "0/2")
        #expect(try topic(hub)["consumer_lag"] as? Int == 5)

        let mirrors = makeHub(publishers: 2)
        mirrors.apply(snapshot(shard: 0), fromSnapshot: true)
        mirrors.updateConsumerLag(["t": 3])
        mirrors.updateConsumerLag(["t": 4])
        #expect(try topic(mirrors)["consumer_lag"] as? Int == 4)
    }
}
