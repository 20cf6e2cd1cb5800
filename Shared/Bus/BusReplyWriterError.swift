/// Why a ``BusReplyWriter`` refused a reply.
public enum BusReplyWriterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The client that asked is gone; stop producing its reply.
    case clientDisconnected
    /// The snapshot server is shutting down.
    case serverStopped
    /// END or ERROR was already sent for this request.
    case alreadyFinished

    public var description: String {
        switch self {
        case .clientDisconnected: "the requesting client disconnected"
        case .serverStopped: "the snapshot server stopped"
        case .alreadyFinished: "the reply was already finished with END or ERROR"
        }
    }
}
