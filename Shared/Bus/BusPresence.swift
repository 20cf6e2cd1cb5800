import Foundation

/// The connected clients of every subscriber replica that reported to a publisher (see
/// ``BusPresenceReport``), published on the PUB socket as the control message
///
/// ```
/// frame 0  (empty)
/// frame 1  "PRESENCE"
/// frame 2  JSON {"replicas": {"<id>": <clients>, ...}, "lag": {"<topic>": <records>, ...}, "shard": "<index>/<count>"}
/// ```
///
/// `lag` (optional; readers before it ignore it) is the publisher's consumer lag per topic: the
/// records Kafka holds that it has not consumed yet, summed over the topic's partitions.
/// `shard` (optional, absent for an unsharded publisher) says which share of the partitions the
/// publisher consumes (ingestd's `SHARD_INDEX/SHARD_COUNT`): the lags of different shards add
/// up, those of two publishers of the same shard (mirrors) do not.
///
/// Like heartbeats it only reaches subscribers of the empty prefix, and it consumes no sequence.
public struct BusPresence: Sendable, Hashable {
    /// Clients per replica id.
    public var replicas: [String: Int]
    /// The publisher's consumer lag per topic, in records (empty: not reported).
    public var lag: [String: Int]
    /// The publisher's shard, `index/count` (nil: it consumes every partition).
    public var shard: String?

    public init(replicas: [String: Int], lag: [String: Int] = [:], shard: String? = nil) {
        self.replicas = replicas
        self.lag = lag
        self.shard = shard
    }

    /// The longest shard name accepted.
    public static let maximumShardNameLength = 32

    /// The most topics a presence message may report a lag for.
    public static let maximumLagTopics = 100_000

    /// The most replicas a presence message may list (a larger table is malformed).
    public static let maximumReplicas = 4096
    /// The most clients one replica may count in a presence message (2^40): with
    /// ``maximumReplicas`` the sum stays far from overflowing.
    public static let maximumClientsPerReplica = 1 << 40

    /// The sum over all replicas (saturating, so it never traps).
    public var totalClients: Int {
        replicas.values.reduce(0) { sum, count in
            let (total, overflow) = sum.addingReportingOverflow(max(0, count))
            return overflow ? Int.max : total
        }
    }

    static let command = Array("PRESENCE".utf8)

    /// Whether a live message is a presence message (three frames, the first empty, the second `PRESENCE`).
    public static func isPresence(_ frames: [[UInt8]]) -> Bool {
        frames.count == 3 && frames[0].isEmpty && frames[1] == command
    }

    private struct Wire: Codable {
        var replicas: [String: Int]
        var lag: [String: Int]?
        var shard: String?
    }

    /// The JSON payload (frame 2).
    public var json: [UInt8] {
        (try? Array(JSONEncoder().encode(Wire(replicas: replicas, lag: lag.isEmpty ? nil : lag, shard: shard)))) ?? Array(#"{"replicas":{}}"#.utf8)
    }

    /// Decodes a presence message's frames.
    public init(frames: [[UInt8]]) throws(BusProtocolError) {
        guard Self.isPresence(frames) else {
            throw .malformedRequest("a presence message is three frames: empty, PRESENCE, JSON")
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(frames[2]))
        } catch {
            throw .malformedRequest(#"presence payload must be {"replicas": {"id": n}, "lag": {"topic": n}}"#)
        }
        guard wire.replicas.count <= Self.maximumReplicas,
              wire.replicas.values.allSatisfy({ (0...Self.maximumClientsPerReplica).contains($0) }) else {
            throw .malformedRequest("presence table must list at most \(Self.maximumReplicas) replicas of 0 to \(Self.maximumClientsPerReplica) clients")
        }
        let lag = wire.lag ?? [:]
        guard lag.count <= Self.maximumLagTopics, lag.values.allSatisfy({ $0 >= 0 }) else {
            throw .malformedRequest("presence lag must list at most \(Self.maximumLagTopics) topics of 0 or more records")
        }
        if let shard = wire.shard, shard.isEmpty || shard.utf8.count > Self.maximumShardNameLength {
            throw .malformedRequest("presence shard must be 1 to \(Self.maximumShardNameLength) bytes")
        }
        self.init(replicas: wire.replicas, lag: lag, shard: wire.shard)
    }
}
