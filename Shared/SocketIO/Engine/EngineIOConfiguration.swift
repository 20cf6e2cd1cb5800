/// Settings of one Engine.IO endpoint. The defaults are those of the reference server.
public struct EngineIOConfiguration: Sendable {
    /// The request path the endpoint serves, with a trailing slash (`/socket.io/`).
    public var path: String
    /// How often the server pings (v4) or the client is asked to ping (v3).
    public var pingInterval: Duration
    /// How long a pong (v4) may take; v3 clients are dropped after `pingInterval + pingTimeout`
    /// without a ping.
    public var pingTimeout: Duration
    /// The largest HTTP body or WebSocket message accepted, in bytes.
    public var maxPayload: Int
    /// Whether Engine.IO v3 clients (Socket.IO v1/v2) may connect.
    public var allowEIO3: Bool
    /// Whether HTTP long-polling is offered.
    public var allowPolling: Bool
    /// Whether WebSocket is offered (directly and as an upgrade).
    public var allowWebSocket: Bool
    /// Whether polling sessions may upgrade to WebSocket.
    public var allowUpgrades: Bool
    /// Cross-origin policy; nil sends no CORS headers.
    public var cors: EngineCORSConfiguration?
    /// The most messages a connection may have queued and not yet written.
    public var maxQueuedMessages: Int
    /// The most bytes a connection may have queued and not yet written.
    public var maxQueuedBytes: Int
    /// The largest polling response body, in bytes (before JSONP wrapping): queued packets that
    /// do not fit go out with the next poll, in order. A single larger packet is still sent,
    /// alone. WebSocket frames are not affected. The default suits socket.io-client 1.x, which
    /// decodes a response with `String.fromCharCode.apply(null, bytes)` and fails
    /// (`RangeError`) in Chromium for bodies of about 100 KB.
    public var maxPollingResponseBytes: Int
    /// The most packets in one polling response: the rest goes out with the next poll, in
    /// order. The default suits python-engineio clients (3.10 and later, 4.x), which refuse a
    /// response of more than 16 packets (the handshake fails, a later poll aborts the
    /// connection). WebSocket frames are not affected.
    public var maxPollingResponsePackets: Int
    /// The most sessions open at once (a closed polling session counts until its final poll);
    /// a handshake past it is refused with 503.
    public var maxSessions: Int
    /// The most sessions open at once from one remote IP address; a handshake past it is
    /// refused with 503.
    public var maxSessionsPerAddress: Int
    /// Called for every handshake refused by `maxSessions` or `maxSessionsPerAddress` (to count it).
    public var onSessionRefused: (@Sendable () -> Void)?
    /// Decides whether a handshake may proceed (authentication, origin checks).
    public var allowRequest: (@Sendable (EngineRequestInfo) async -> EngineHandshakeDecision)?
    /// When set, a WebSocket connection writes each send unit on its own, this long after the
    /// previous one, instead of coalescing everything queued into one write. This mimics the
    /// reference server's one-packet-per-write pacing for test clients that lose messages
    /// arriving in the same read (the socket.io-protocol test suite with `ws` 8.x). Leave nil
    /// in production: it caps throughput per connection.
    public var webSocketWriteSpacing: Duration?

    /// Creates a configuration; every setting has the reference server's default.
    public init(
        path: String = "/socket.io/",
        pingInterval: Duration = .milliseconds(25_000),
        pingTimeout: Duration = .milliseconds(20_000),
        maxPayload: Int = 1_000_000,
        allowEIO3: Bool = true,
        allowPolling: Bool = true,
        allowWebSocket: Bool = true,
        allowUpgrades: Bool = true,
        cors: EngineCORSConfiguration? = nil,
        maxQueuedMessages: Int = 10_000,
        maxQueuedBytes: Int = 16 * 1024 * 1024,
        maxPollingResponseBytes: Int = 64 * 1024,
        maxPollingResponsePackets: Int = 16,
        maxSessions: Int = 100_000,
        maxSessionsPerAddress: Int = 100_000,
        onSessionRefused: (@Sendable () -> Void)? = nil,
        allowRequest: (@Sendable (EngineRequestInfo) async -> EngineHandshakeDecision)? = nil,
        webSocketWriteSpacing: Duration? = nil
    ) {
        self.path = path
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.allowEIO3 = allowEIO3
        self.allowPolling = allowPolling
        self.allowWebSocket = allowWebSocket
        self.allowUpgrades = allowUpgrades
        self.cors = cors
        self.maxQueuedMessages = maxQueuedMessages
        self.maxQueuedBytes = maxQueuedBytes
        self.maxPollingResponseBytes = maxPollingResponseBytes
        self.maxPollingResponsePackets = maxPollingResponsePackets
        self.maxSessions = maxSessions
        self.maxSessionsPerAddress = maxSessionsPerAddress
        self.onSessionRefused = onSessionRefused
        self.allowRequest = allowRequest
        self.webSocketWriteSpacing = webSocketWriteSpacing
    }

    /// A setting that cannot work.
    public struct ValidationError: Error, Equatable, CustomStringConvertible {
        /// What is wrong.
        public let description: String
    }

    /// Checks that the settings are usable; throws a `ValidationError` naming the first bad one.
    public func validate() throws {
        guard path.hasPrefix("/") else { throw ValidationError(description: "path must start with '/': \(path)") }
        guard !path.contains("?") else { throw ValidationError(description: "path must not contain '?': \(path)") }
        guard pingInterval > .zero else { throw ValidationError(description: "pingInterval must be positive") }
        guard pingTimeout > .zero else { throw ValidationError(description: "pingTimeout must be positive") }
        guard maxPayload > 0, maxPayload <= Int(UInt32.max) else {
            throw ValidationError(description: "maxPayload must be between 1 and \(UInt32.max)")
        }
        guard allowPolling || allowWebSocket else {
            throw ValidationError(description: "at least one transport (polling or websocket) must be allowed")
        }
        guard maxQueuedMessages > 0 else { throw ValidationError(description: "maxQueuedMessages must be positive") }
        guard maxQueuedBytes > 0 else { throw ValidationError(description: "maxQueuedBytes must be positive") }
        guard maxPollingResponseBytes > 0 else {
            throw ValidationError(description: "maxPollingResponseBytes must be positive")
        }
        guard maxPollingResponsePackets > 0 else {
            throw ValidationError(description: "maxPollingResponsePackets must be positive")
        }
        guard maxSessions > 0 else { throw ValidationError(description: "maxSessions must be positive") }
        guard maxSessionsPerAddress > 0 else {
            throw ValidationError(description: "maxSessionsPerAddress must be positive")
        }
        if let webSocketWriteSpacing, webSocketWriteSpacing < .zero {
            throw ValidationError(description: "webSocketWriteSpacing must not be negative")
        }
    }

    /// The path without its trailing slash, for matching (`/socket.io`).
    var normalizedPath: String {
        var path = self.path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    var pingIntervalMilliseconds: Int64 { Self.milliseconds(pingInterval) }
    var pingTimeoutMilliseconds: Int64 { Self.milliseconds(pingTimeout) }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
