import NIOCore
import NIOHTTP1

/// A complete HTTP request as handed to a fallback handler.
public struct EngineHTTPRequest: Sendable {
    /// The request method.
    public var method: HTTPMethod
    /// The request target as sent (`/metrics?x=1`).
    public var uri: String
    /// The path part of `uri`.
    public var path: String
    /// The decoded query parameters of `uri`.
    public var query: [String: String]
    /// The request headers.
    public var headers: HTTPHeaders
    /// The request body.
    public var body: ByteBuffer
    /// The peer's address, e.g. "127.0.0.1:53211", if known.
    public var remoteAddress: String?

    /// Creates a request; `path` and `query` are parsed from `uri`.
    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders, body: ByteBuffer, remoteAddress: String? = nil) {
        self.method = method
        self.uri = uri
        (self.path, self.query) = EngineQueryString.split(uri: uri)
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }
}
