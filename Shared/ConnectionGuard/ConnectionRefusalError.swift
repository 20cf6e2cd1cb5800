/// A connection was refused by a ``ConnectionLimiter``.
public struct ConnectionRefusalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which limit was reached.
    public let reason: ConnectionRefusal

    /// - Parameter reason: which limit was reached.
    public init(reason: ConnectionRefusal) {
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .total: "too many connections"
        case .perAddress: "too many connections from this address"
        }
    }
}
