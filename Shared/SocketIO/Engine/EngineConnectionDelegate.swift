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
