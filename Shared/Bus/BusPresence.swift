import Foundation

/// The connected clients of every subscriber replica that reported to a publisher (see
/// ``BusPresenceReport``), published on the PUB socket as the control message
///
/// ```
/// frame 0  (empty)
/// frame 1  "PRESENCE"
/// frame 2  JSON {"replicas": {"<id>": <clients>, ...}}
/// ```
///
/// Like heartbeats it only reaches subscribers of the empty prefix, and it consumes no sequence.
public struct BusPresence: Sendable, Hashable {
    /// Clients per replica id.
    public var replicas: [String: Int]

    public init(replicas: [String: Int]) {
        self.replicas = replicas
    }

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
    }

    /// The JSON payload (frame 2).
    public var json: [UInt8] {
        (try? Array(JSONEncoder().encode(Wire(replicas: replicas)))) ?? Array(#"{"replicas":{}}"#.utf8)
    }

    /// Decodes a presence message's frames.
    public init(frames: [[UInt8]]) throws(BusProtocolError) {
        guard Self.isPresence(frames) else {
            throw .malformedRequest("a presence message is three frames: empty, PRESENCE, JSON")
        }
        let replicas: [String: Int]
        do {
            replicas = try JSONDecoder().decode(Wire.self, from: Data(frames[2])).replicas
        } catch {
            throw .malformedRequest(#"presence payload must be {"replicas": {"id": n}}"#)
        }
        guard replicas.count <= Self.maximumReplicas,
              replicas.values.allSatisfy({ (0...Self.maximumClientsPerReplica).contains($0) }) else {
            throw .malformedRequest("presence table must list at most \(Self.maximumReplicas) replicas of 0 to \(Self.maximumClientsPerReplica) clients")
        }
        self.init(replicas: replicas)
    }
}
