import ConnectionGuard
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import ServiceLifecycle

/// An HTTP/1.1 server on SwiftNIO serving Engine.IO endpoints (polling and WebSocket) and
/// handing every other request to an optional fallback handler.
///
/// Run it as a `Service`: `run()` binds, serves until graceful shutdown or cancellation, then
/// closes every Engine.IO session (with close packets) and every connection. On graceful
/// shutdown it refuses new handshakes and keeps serving for up to `shutdownGracePeriod`, so a
/// polling client that is between two polls collects its close packet with its next `GET`
/// and WebSocket clients get their close packet and close frame; it stops as soon as no
/// session and no WebSocket connection is left. On cancellation it stops at once.
///
/// ```swift
/// let endpoint = try EngineIOEndpoint(
///     configuration: EngineIOConfiguration(path: "/socket.io/"), delegate: socketIOServer)
/// let server = EngineIOServer(port: 3000, endpoints: [endpoint]) { request in
///     request.path == "/health"
///         ? EngineHTTPResponse(status: .ok, text: "ok")
///         : EngineHTTPResponse(status: .notFound, text: "not found")
/// }
/// try await ServiceGroup(services: [server, socketIOServer], logger: logger).run()
/// ```
public final class EngineIOServer: Service, Sendable {
    /// The address to bind (`0.0.0.0`, `127.0.0.1`).
    public let host: String
    /// The port to bind; 0 picks a free one (see `boundPort`).
    public let port: Int

    private let routes: EngineHTTPRoutes
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let boundPortPromise: EventLoopPromise<Int>
    private let shutdownGracePeriod: Duration
    private let connections = NIOLockedValueBox<[ObjectIdentifier: Channel]>([:])
    private let hasRun = NIOLockedValueBox(false)

    /// - Parameters:
    ///   - endpoints: the Engine.IO endpoints, matched by path.
    ///   - fallback: answers every request that is not for an endpoint (404 without one).
    ///   - maxFallbackBodySize: the largest request body handed to `fallback`.
    ///   - fallbackCORS: the cross-origin policy of every request that is not for an endpoint
    ///     (`OPTIONS` preflights are answered, other answers get the headers); nil sends none.
    ///   - requestTimeouts: an HTTP connection must complete each request's head within
    ///     `head` of connecting or of its previous answer (idle keep-alive connections and heads
    ///     sent slowly are closed then) and its body within `body` of the head; while a request
    ///     is answered (a parked poll too) no deadline runs. nil: no deadline.
    ///   - connectionLimiter: admits each accepted connection or closes it at once (total and
    ///     per-address caps); nil: no cap.
    ///   - shutdownGracePeriod: on graceful shutdown, the longest time to wait for polling
    ///     clients to collect their close packet and for WebSocket closes to complete.
    public init(
        host: String = "0.0.0.0", port: Int, endpoints: [EngineIOEndpoint],
        fallback: EngineHTTPFallback? = nil, maxFallbackBodySize: Int = 1 << 20,
        fallbackCORS: EngineCORSConfiguration? = nil,
        requestTimeouts: HTTPRequestTimeouts? = HTTPRequestTimeouts(head: .seconds(60), body: .seconds(30)),
        connectionLimiter: ConnectionLimiter? = nil,
        onRequestTimeout: @escaping @Sendable (HTTPRequestTimeoutKind) -> Void = { _ in },
        shutdownGracePeriod: Duration = .seconds(5),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "engine.io.server")
    ) {
        self.host = host
        self.port = port
        self.routes = EngineHTTPRoutes(
            endpoints: endpoints, fallback: fallback, maxFallbackBodySize: maxFallbackBodySize,
            fallbackCORS: fallbackCORS,
            requestTimeouts: requestTimeouts, connectionLimiter: connectionLimiter,
            onRequestTimeout: onRequestTimeout)
        self.eventLoopGroup = eventLoopGroup
        self.shutdownGracePeriod = shutdownGracePeriod
        self.logger = logger
        self.boundPortPromise = eventLoopGroup.next().makePromise(of: Int.self)
    }

    /// The port the server listens on, once bound (throws if binding failed).
    public var boundPort: Int {
        get async throws { try await boundPortPromise.futureResult.get() }
    }

    /// Binds and serves until graceful shutdown or task cancellation. A server runs once.
    public func run() async throws {
        let firstRun = hasRun.withLockedValue { hasRun in
            defer { hasRun = true }
            return !hasRun
        }
        guard firstRun else { throw EngineIOServerError.alreadyRunning }
        let serverChannel: Channel
        do {
            serverChannel = try await makeBootstrap().bind(host: host, port: port).get()
        } catch {
            boundPortPromise.fail(error)
            throw error
        }
        let localPort = serverChannel.localAddress?.port ?? port
        boundPortPromise.succeed(localPort)
        logger.info("engine.io server listening", metadata: ["host": "\(host)", "port": "\(localPort)"])

        // Ends on graceful shutdown, cancellation, or if the listening channel closes.
        let (stop, stopContinuation) = AsyncStream<Never>.makeStream()
        serverChannel.closeFuture.whenComplete { _ in stopContinuation.finish() }
        await withTaskCancellationOrGracefulShutdownHandler {
            for await _ in stop {}
        } onCancelOrGracefulShutdown: {
            stopContinuation.finish()
        }

        logger.info("engine.io server shutting down")
        for endpoint in routes.endpoints { endpoint.beginShutdown() }
        for endpoint in routes.endpoints { endpoint.closeAll(reason: .serverShutdown) }
        if !Task.isCancelled {
            await waitForSessionsToFinish()
        }
        // Closed polling sessions whose client did not come back for the close packet.
        for endpoint in routes.endpoints { endpoint.forgetAllSessions() }
        serverChannel.close(promise: nil)
        try? await serverChannel.closeFuture.get()
        let open = connections.withLockedValue { Array($0.values) }
        for channel in open { channel.close(promise: nil) }
        for channel in open { try? await channel.closeFuture.get() }
    }

    /// Waits (up to `shutdownGracePeriod`, or until cancelled) until every endpoint has no
    /// session left (closed polling sessions stay until their final poll) and no WebSocket.
    private func waitForSessionsToFinish() async {
        let deadline = ContinuousClock.now + shutdownGracePeriod
        while routes.endpoints.contains(where: { $0.hasOpenTransports }) {
            guard ContinuousClock.now < deadline else {
                logger.info("shutdown grace period over; closing the remaining connections")
                return
            }
            do { try await Task.sleep(for: .milliseconds(10)) } catch { return }
        }
    }

    private func makeBootstrap() -> ServerBootstrap {
        let routes = self.routes
        let connections = self.connections
        return ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 64 * 1024, high: 256 * 1024))
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // Every channel keeps its receive buffer for the next read: start it at 512 bytes
            // (a WebSocket upgrade's head; the allocator grows it for busier connections), not
            // NIO's 2,048, which an idle connection would hold for its lifetime.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536))
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                connections.withLockedValue { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in
                    _ = connections.withLockedValue { $0.removeValue(forKey: id) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel: channel, routes: routes)
                }
            }
    }

    private static func configure(channel: Channel, routes: EngineHTTPRoutes) throws {
        // WebSocket upgrades are handled by EngineHTTPHandler itself on any request of a
        // connection (NIO's HTTPServerUpgradeHandler only considers the first one); this
        // upgrader only validates the handshake headers and installs the frame codec.
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: min(routes.maxWebSocketFrameSize, Int(UInt32.max)),
            automaticErrorHandling: false,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture([:]) },
            upgradePipelineHandler: { channel, head in
                let (path, query) = EngineQueryString.split(uri: head.uri)
                guard let endpoint = routes.endpoint(forPath: path) else {
                    return channel.close()
                }
                return endpoint.webSocketUpgraded(channel: channel, head: head, query: query)
            })
        if let limiter = routes.connectionLimiter {
            try channel.pipeline.syncOperations.addHandler(limiter.handler())
        }
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withPipeliningAssistance: true, withErrorHandling: true)
        if let timeouts = routes.requestTimeouts {
            try channel.pipeline.syncOperations.addHandler(
                HTTPRequestDeadlineHandler<HTTPServerRequestPart, HTTPServerResponsePart>(
                    timeouts: timeouts, onTimeout: routes.onRequestTimeout))
        }
        try channel.pipeline.syncOperations.addHandler(EngineHTTPHandler(routes: routes, upgrader: upgrader))
    }
}
