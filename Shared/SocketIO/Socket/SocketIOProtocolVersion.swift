/// The Socket.IO protocol revision of a client, implied by its Engine.IO revision.
public enum SocketIOProtocolVersion: Int, Sendable, Hashable {
    /// Socket.IO protocol v4 (socket.io 1.x/2.x clients, Engine.IO v3): the main namespace is
    /// connected implicitly, `CONNECT` carries a query in the namespace, errors are plain strings.
    case v4 = 4
    /// Socket.IO protocol v5 (socket.io 3.x/4.x clients, Engine.IO v4): explicit `CONNECT` with an
    /// auth payload, `{"sid":..}` replies, `CONNECT_ERROR` objects.
    case v5 = 5

    /// The Socket.IO revision spoken over an Engine.IO revision.
    public init(engine: EngineProtocolVersion) {
        switch engine {
        case .v3: self = .v4
        case .v4: self = .v5
        }
    }
}
