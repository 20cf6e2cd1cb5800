/// Why an Engine.IO connection ended (mirrors the reasons of the reference implementation).
public enum EngineCloseReason: Sendable, Equatable {
    /// The client closed the transport (or the TCP connection went away).
    case transportClose
    /// A transport-level failure, with a description.
    case transportError(String)
    /// No pong (v4) or ping (v3) within the heartbeat deadline.
    case pingTimeout
    /// The client sent an Engine.IO close packet.
    case clientClose
    /// The server closed the connection (`EngineConnection.close()`).
    case serverClose
    /// The connection's outbound queue exceeded its bound; the client fell behind.
    case slowConsumer
    /// The client sent something that does not parse.
    case parseError
    /// The server is shutting down.
    case serverShutdown
}
