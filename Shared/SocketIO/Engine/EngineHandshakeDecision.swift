/// The answer of an `allowRequest` hook to a handshake.
public enum EngineHandshakeDecision: Sendable, Equatable {
    /// The handshake proceeds.
    case accept
    /// The handshake is refused with HTTP 403 and `{"code":4,"message":<message>}`.
    case reject(message: String)
}
