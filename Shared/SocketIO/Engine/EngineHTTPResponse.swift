import NIOCore
import NIOHTTP1

/// A complete HTTP response written by the server (Engine.IO answers and fallback answers).
public struct EngineHTTPResponse: Sendable {
    /// The status.
    public var status: HTTPResponseStatus
    /// The headers; `Content-Length` is set by the server.
    public var headers: HTTPHeaders
    /// The body.
    public var body: ByteBuffer

    /// A response with the given parts.
    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response with a text body.
    public init(status: HTTPResponseStatus, contentType: String = "text/plain; charset=utf-8", text: String) {
        self.status = status
        self.headers = ["Content-Type": contentType]
        self.body = ByteBuffer(string: text)
    }
}

/// The receiver of requests that are not for an Engine.IO endpoint.
public typealias EngineHTTPFallback = @Sendable (EngineHTTPRequest) async -> EngineHTTPResponse
