/// Why a socket left its namespace (the reasons of the reference server).
public enum SocketIODisconnectReason: Sendable, Equatable, CustomStringConvertible {
    /// The client sent a DISCONNECT packet ("client namespace disconnect").
    case clientNamespaceDisconnect
    /// The server called ``SocketIOSocket/disconnect(close:)`` ("server namespace disconnect").
    case serverNamespaceDisconnect
    /// The transport was closed by the client or the network ("transport close").
    case transportClose
    /// The transport failed ("transport error").
    case transportError(String)
    /// The client stopped answering heartbeats ("ping timeout").
    case pingTimeout
    /// The client sent a packet that does not follow the protocol ("parse error").
    case parseError
    /// The server is shutting down ("server shutting down").
    case serverShuttingDown
    /// The server closed the underlying connection ("forced server close").
    case forcedServerClose
    /// The client fell behind and its outbound queue overflowed ("slow consumer").
    case slowConsumer

    /// The reason as the reference server names it.
    public var description: String {
        switch self {
        case .clientNamespaceDisconnect: "client namespace disconnect"
        case .serverNamespaceDisconnect: "server namespace disconnect"
        case .transportClose: "transport close"
        case .transportError(let detail): "transport error: \(detail)"
        case .pingTimeout: "ping timeout"
        case .parseError: "parse error"
        case .serverShuttingDown: "server shutting down"
        case .forcedServerClose: "forced server close"
        case .slowConsumer: "slow consumer"
        }
    }

    /// Whether a session ending this way may be recovered (connection state recovery).
    public var isRecoverable: Bool {
        switch self {
        case .transportClose, .transportError, .pingTimeout, .serverShuttingDown, .forcedServerClose, .slowConsumer:
            true
        case .clientNamespaceDisconnect, .serverNamespaceDisconnect, .parseError:
            false
        }
    }

    /// The reason for sockets of a connection the engine closed.
    public init(_ reason: EngineCloseReason) {
        switch reason {
        case .transportClose, .clientClose: self = .transportClose
        case .transportError(let detail): self = .transportError(detail)
        case .pingTimeout: self = .pingTimeout
        case .serverClose: self = .forcedServerClose
        case .slowConsumer: self = .slowConsumer
        case .parseError: self = .parseError
        case .serverShutdown: self = .serverShuttingDown
        }
    }
}
