import NIOCore

/// The seam between the Engine.IO transport layer (`Shared/SocketIO/Engine`) and the
/// Socket.IO layer (`Shared/SocketIO/Socket`). The engine layer implements
/// `EngineConnection`; the Socket.IO layer implements `EngineConnectionDelegate`.

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
