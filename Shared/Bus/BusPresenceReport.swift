import Foundation

/// One subscriber replica's report of its connected clients, sent to the snapshot server as
/// `["PRESENCE", json]` with JSON `{"replica": "<id>", "clients": <n>, "ttl_ms": <ms>}`.
///
/// The server keeps the latest report of every replica until `ttl_ms` passes without a new
/// one (a report with `ttl_ms` 0 removes the replica at once) and publishes the table as a
/// ``BusPresence`` control message.
public struct BusPresenceReport: Sendable, Hashable {
    /// The replica's id (1 to 64 bytes of UTF-8).
    public var replica: String
    /// Its connected clients (>= 0).
    public var clients: Int
    /// How long the report stays valid, in milliseconds (0 to 3 600 000).
    public var ttlMilliseconds: Int

    public init(replica: String, clients: Int, ttlMilliseconds: Int) {
        self.replica = replica
        self.clients = clients
        self.ttlMilliseconds = ttlMilliseconds
    }

    private struct Wire: Codable {
        var replica: String
        var clients: Int
        var ttl_ms: Int
    }

    /// The JSON form.
    public var json: [UInt8] {
        (try? Array(JSONEncoder().encode(Wire(replica: replica, clients: clients, ttl_ms: ttlMilliseconds)))) ?? []
    }

    /// Parses and validates the JSON form.
    public init(json: [UInt8]) throws(BusProtocolError) {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(json))
        } catch {
            throw .malformedRequest(#"PRESENCE argument must be a JSON object {"replica": "id", "clients": n, "ttl_ms": ms}"#)
        }
        guard !wire.replica.isEmpty, wire.replica.utf8.count <= 64 else {
            throw .malformedRequest("PRESENCE replica id must be 1 to 64 bytes")
        }
        guard wire.clients >= 0 else { throw .malformedRequest("PRESENCE clients must not be negative") }
        guard (0...3_600_000).contains(wire.ttl_ms) else {
            throw .malformedRequest("PRESENCE ttl_ms must be between 0 and 3600000")
        }
        self.init(replica: wire.replica, clients: wire.clients, ttlMilliseconds: wire.ttl_ms)
    }
}
