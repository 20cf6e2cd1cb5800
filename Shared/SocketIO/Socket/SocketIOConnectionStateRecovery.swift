/// Connection state recovery settings (as in Socket.IO 4.6+). Off unless set in the server's
/// configuration.
///
/// When on, the `CONNECT` reply carries a private session id (`pid`), every event broadcast
/// without an ack gets an offset as its last argument, and recent broadcasts are kept. A client
/// that reconnects with auth `{"pid": .., "offset": ..}` within ``maximumDisconnectionDuration``
/// gets the events it missed, keeps its socket id and rooms, and its socket has
/// ``SocketIOSocket/recovered`` set.
public struct SocketIOConnectionStateRecovery: Sendable {
    /// How long a disconnected session can be recovered.
    public var maximumDisconnectionDuration: Duration
    /// The most broadcast packets kept per namespace (older ones are dropped first).
    public var maximumBufferedPackets: Int
    /// Whether recovered sockets skip the namespace middlewares.
    public var skipMiddlewares: Bool

    /// Recovery settings; the defaults are those of the reference server.
    public init(
        maximumDisconnectionDuration: Duration = .seconds(120), maximumBufferedPackets: Int = 10_000,
        skipMiddlewares: Bool = true
    ) {
        self.maximumDisconnectionDuration = maximumDisconnectionDuration
        self.maximumBufferedPackets = maximumBufferedPackets
        self.skipMiddlewares = skipMiddlewares
    }
}
