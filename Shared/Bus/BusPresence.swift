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

    /// The sum over all replicas.
    public var totalClients: Int { replicas.values.reduce(0, +) }

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
        do {
            self.init(replicas: try JSONDecoder().decode(Wire.self, from: Data(frames[2])).replicas)
        } catch {
            throw .malformedRequest(#"presence payload must be {"replicas": {"id": n}}"#)
        }
    }
}
