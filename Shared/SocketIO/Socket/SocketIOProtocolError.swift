/// A Socket.IO packet that does not follow the protocol. The server closes the client's
/// connection when it receives one (as the reference server does, with reason "parse error").
public struct SocketIOProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the packet.
    public var reason: String

    /// Creates an error describing `reason`.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason, for logs.
    public var description: String { "invalid Socket.IO packet: \(reason)" }
}
