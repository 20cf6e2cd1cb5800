import ZeroMQ

/// Why a snapshot or replay request failed on the client side.
public enum BusClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No reply message arrived within the idle timeout.
    case timedOut(BusRequest, after: Duration)
    /// The server answered `ERROR`.
    case server(BusServerError)
    /// The server's reply broke the protocol.
    case protocolViolation(BusProtocolError)
    /// The socket failed.
    case transport(ZMQError)

    public var description: String {
        switch self {
        case let .timedOut(request, after):
            "no reply to \(request) within \(after)"
        case let .server(error):
            "bus snapshot server error: \(error)"
        case let .protocolViolation(error):
            "bus snapshot server broke the protocol: \(error)"
        case let .transport(error):
            "\(error)"
        }
    }
}
