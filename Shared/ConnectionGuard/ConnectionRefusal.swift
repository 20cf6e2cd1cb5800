/// Why a connection was closed as soon as it was accepted.
public enum ConnectionRefusal: String, Sendable, Equatable, CaseIterable {
    /// The listener holds `maxConnections` open connections.
    case total
    /// The remote address holds `maxConnectionsPerAddress` open connections.
    case perAddress = "per_address"
}
