import ConnectionGuard
import NIOCore

/// Where the server sends HTTP requests: Engine.IO endpoints by path, everything else to the
/// fallback handler (404 without one).
struct EngineHTTPRoutes: Sendable {
    let endpoints: [EngineIOEndpoint]
    let fallback: EngineHTTPFallback?
    let maxFallbackBodySize: Int
    /// Cross-origin policy of the fallback's answers (nil: no CORS headers).
    let fallbackCORS: EngineCORSConfiguration?
    /// The time a connection has for each request's head and body (nil: unlimited).
    let requestTimeouts: HTTPRequestTimeouts?
    /// Admits or refuses each accepted connection (nil: no cap).
    let connectionLimiter: ConnectionLimiter?
    /// Called when a connection is closed for missing its request deadline.
    let onRequestTimeout: @Sendable (HTTPRequestTimeoutKind) -> Void

    func endpoint(forPath path: String) -> EngineIOEndpoint? {
        endpoints.first { $0.matches(path: path) }
    }

    /// The largest WebSocket frame any endpoint accepts.
    var maxWebSocketFrameSize: Int {
        endpoints.map(\.configuration.maxPayload).max() ?? 1 << 14
    }
}
