/// How many connections a listener accepts: in all and from one remote address.
public struct ConnectionLimits: Sendable, Equatable {
    /// Open connections in all; one more is closed as soon as it is accepted.
    public var maxConnections: Int
    /// Open connections from one remote IP address (the port is ignored).
    public var maxConnectionsPerAddress: Int

    /// - Parameters:
    ///   - maxConnections: open connections in all.
    ///   - maxConnectionsPerAddress: open connections from one remote IP address.
    public init(maxConnections: Int, maxConnectionsPerAddress: Int) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
    }
}
