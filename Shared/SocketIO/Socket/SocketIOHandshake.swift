/// What a socket's connection looked like when it joined its namespace.
public struct SocketIOHandshake: Sendable {
    /// The Engine.IO session id of the underlying connection.
    public var engineId: String
    /// The client's Socket.IO protocol revision.
    public var protocolVersion: SocketIOProtocolVersion
    /// Headers of the Engine.IO handshake request, names lowercased.
    public var headers: [(name: String, value: String)]
    /// Query parameters of the Engine.IO handshake request, merged (for protocol v4 clients) with
    /// the query sent in the namespace of the CONNECT packet.
    public var query: [String: String]
    /// The peer's address, if known.
    public var remoteAddress: String?
    /// The auth payload of the CONNECT packet (protocol v5), or nil.
    public var auth: JSONValue?

    /// Creates handshake information (the server fills it in from the Engine.IO request).
    public init(
        engineId: String, protocolVersion: SocketIOProtocolVersion, headers: [(name: String, value: String)],
        query: [String: String], remoteAddress: String?, auth: JSONValue?
    ) {
        self.engineId = engineId
        self.protocolVersion = protocolVersion
        self.headers = headers
        self.query = query
        self.remoteAddress = remoteAddress
        self.auth = auth
    }

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first(where: { $0.name == lowered })?.value
    }
}
