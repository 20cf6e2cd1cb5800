/// Why ``SocketIOSocket/emitWithAck(_:_:timeout:)`` did not return an acknowledgement.
public enum SocketIOAckError: Error, Sendable, Equatable {
    /// The client did not acknowledge within the timeout.
    case timeout
    /// The socket disconnected (or was not connected) before the acknowledgement arrived.
    case disconnected
    /// The waiting task was cancelled.
    case cancelled
    /// The event name is reserved by the protocol (`connect`, `disconnect`, ...); nothing was sent.
    case reservedEventName
}
