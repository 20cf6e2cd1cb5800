/// A well-formed request the server will not serve now (a limit is reached); the client gets
/// `ERROR` with ``reason``.
public struct BusRequestRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which limit refused it, for metrics: `presence_clients`, `presence_replicas`, `replays`.
    public let limit: String
    /// The text sent to the client.
    public let reason: String

    public init(limit: String, reason: String) {
        self.limit = limit
        self.reason = reason
    }

    public var description: String { reason }
}
