/// The share of the partitions one ingestd owns when several split a Kafka cluster
/// (`SHARD_COUNT`, `SHARD_INDEX`): partition `p` of every selected topic belongs to shard
/// `p mod count`. The default, one shard, owns every partition (a full mirror, as before).
///
/// Ownership depends on the partition number only, not on the topic or on which other shards
/// run, so every shard decides alone and the same way every time: Kafka (the topics' partition
/// counts and the consumer group's committed offsets) is the only state the shards share.
public struct PartitionShard: Sendable, Hashable, CustomStringConvertible {
    /// How many shards split the partitions (1: no sharding).
    public let count: Int
    /// This shard, `0..<count`.
    public let index: Int

    /// The single shard that owns everything.
    public static let all = PartitionShard(count: 1, index: 0)

    public init(count: Int, index: Int) {
        self.count = count
        self.index = index
    }

    /// Whether this shard consumes, caches, publishes and replays `partition`.
    public func owns(_ partition: Int32) -> Bool {
        count <= 1 || Int(partition) % count == index
    }

    /// Whether this is one shard of several.
    public var isSharded: Bool { count > 1 }

    /// `index/count`, as presence messages and `/health` name it.
    public var description: String { "\(index)/\(count)" }
}
