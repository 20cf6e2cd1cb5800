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
