import NIOCore

/// The seam between the Engine.IO transport layer (`Shared/SocketIO/Engine`) and the
/// Socket.IO layer (`Shared/SocketIO/Socket`). The engine layer implements
/// `EngineConnection`; the Socket.IO layer implements `EngineConnectionDelegate`.

/// Engine.IO protocol revision a client speaks (`EIO=3` or `EIO=4` in the handshake query).
public enum EngineProtocolVersion: Int, Sendable, Hashable {
    case v3 = 3
    case v4 = 4
}

/// The payload of one Engine.IO "message" packet (packet type 4).
public enum EngineMessage: Sendable, Equatable {
    case text(String)
    case binary(ByteBuffer)
}

/// What the client's handshake request looked like, for connection policies (auth, origin checks).
public struct EngineRequestInfo: Sendable {
    /// Request headers, names lowercased.
    public var headers: [(name: String, value: String)]
    /// Query parameters of the handshake request.
    public var query: [String: String]
    /// The peer's address, e.g. "127.0.0.1:53211", if known.
    public var remoteAddress: String?

    public init(headers: [(name: String, value: String)], query: [String: String], remoteAddress: String?) {
        self.headers = headers
        self.query = query
        self.remoteAddress = remoteAddress
    }
}

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

/// A connected Engine.IO client as seen by the layer above.
///
/// All methods are thread-safe and never wait: sends are queued on the connection's bounded
/// outbound queue and written by its event loop.
public protocol EngineConnection: AnyObject, Sendable {
    /// The Engine.IO session id (`sid`).
    var id: String { get }
    /// The protocol revision the client negotiated.
    var protocolVersion: EngineProtocolVersion { get }
    /// The handshake request.
    var request: EngineRequestInfo { get }
    /// Queues messages, in order, as one unit. Returns `false` if the connection is closed, or
    /// if the queue bound is exceeded (the connection is then closed with `.slowConsumer`).
    @discardableResult func send(_ messages: [EngineMessage]) -> Bool
    /// Queues messages encoded once for many connections (broadcast fan-out).
    @discardableResult func send(_ shared: SharedEngineMessages) -> Bool
    /// Closes the connection (sends an Engine.IO close packet where the transport allows).
    func close()
}

/// Receives the events of Engine.IO connections. Calls for one connection are serialized
/// (never concurrent) and arrive in order; calls for different connections may be concurrent.
public protocol EngineConnectionDelegate: AnyObject, Sendable {
    /// A handshake completed.
    func engineConnectionOpened(_ connection: any EngineConnection)
    /// A message packet arrived.
    func engineConnection(_ connection: any EngineConnection, received message: EngineMessage)
    /// The connection ended; no further calls for it follow.
    func engineConnectionClosed(_ connection: any EngineConnection, reason: EngineCloseReason)
}
