import Bus
import ConnectionGuard
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import ServiceSupport
import SocketIO
import ZeroMQ

/// Wires realtimed's services into one `ServiceGroup` that stops gracefully on SIGTERM/SIGINT.
public enum RealtimeApp {
    /// Sets up logging and metrics for the process (once), then runs until a signal arrives.
    public static func main(configuration: RealtimeConfiguration) async throws {
        let registry = ProcessObservability.bootstrap(loggingLevel: configuration.loggingLevel)
        try await run(configuration: configuration, registry: registry, logger: Logger(label: "realtimed"))
    }

    /// Runs realtimed's services until a signal or a failing service stops them.
    public static func run(configuration: RealtimeConfiguration, registry: PrometheusCollectorRegistry,
                           logger: Logger) async throws {
        // A recovered session runs the middlewares again: with AUTH_MODE=token it must show the
        // same identity it had.
        let recovery = configuration.recoverySeconds > 0
            ? SocketIOConnectionStateRecovery(maximumDisconnectionDuration: .seconds(configuration.recoverySeconds),
                                              skipMiddlewares: configuration.authMode == RealtimeAuthMode.none)
            : nil
        let io = SocketIOServer(configuration: .init(connectionStateRecovery: recovery), logger: logger)
        let metrics = RealtimeMetrics()
        let hub = RealtimeHub(io: io, configuration: configuration, metrics: metrics,
                              access: try await RealtimeAccess.load(configuration: configuration), logger: logger)
        let context = try ZMQContext()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: HeapTrimmer())]
        for publisher in configuration.publishers {
            let follower = try BusFollower(live: publisher.live, snapshot: publisher.snapshot,
                                           security: configuration.busSecurity, context: context, hub: hub, logger: logger)
            services.append(.init(service: follower))
            services.append(.init(service: PresenceReporter(endpoint: publisher.snapshot, configuration: configuration,
                                                            context: context, hub: hub, logger: logger)))
        }
        // As the seed servers: any origin is echoed with credentials allowed (socket.io-client 1.x
        // polls with credentials); a list restricts it. Applies to Socket.IO and every HTTP route.
        let refusals = SharedRateLimitedLog()
        let cors = EngineCORSConfiguration(
            allowedOrigins: configuration.corsOrigins == ["*"] ? .any : .list(configuration.corsOrigins),
            allowCredentials: true)
        let endpoint = try EngineIOEndpoint(
            configuration: EngineIOConfiguration(
                path: "/socket.io/", pingInterval: .milliseconds(configuration.pingIntervalMilliseconds),
                pingTimeout: .milliseconds(configuration.pingTimeoutMilliseconds), cors: cors,
                maxQueuedMessages: configuration.clientQueueMessages,
                maxQueuedBytes: configuration.clientQueueBytes,
                maxPollingResponseBytes: configuration.pollingResponseMaxBytes,
                maxPollingResponsePackets: configuration.pollingResponseMaxPackets,
                maxSessions: configuration.maxSessions, maxSessionsPerAddress: configuration.maxSessionsPerAddress,
                onSessionRefused: {
                    metrics.sessionsRefused.increment()
                    refusals.log(logger, level: .warning, key: "sessions",
                                 "Engine.IO handshake refused: MAX_SESSIONS or MAX_SESSIONS_PER_ADDRESS reached")
                }),
            delegate: io, logger: logger)
        let routes = RealtimeHTTPRoutes(hub: hub, registry: registry, configuration: configuration)
        let server = EngineIOServer(host: configuration.host, port: configuration.port, endpoints: [endpoint],
                                    fallback: { request in routes.respond(to: request) }, fallbackCORS: cors,
                                    requestTimeouts: HTTPRequestTimeouts(
                                        head: .milliseconds(Int64(configuration.httpHeadTimeoutMilliseconds)),
                                        body: .milliseconds(Int64(configuration.httpBodyTimeoutMilliseconds))),
                                    connectionLimiter: Self.connectionLimiter(configuration, metrics, refusals, logger),
                                    onRequestTimeout: { part in
                                        (part == .head ? metrics.headTimeouts : metrics.bodyTimeouts).increment()
                                    },
                                    logger: logger)
        if let metricsPort = configuration.metricsPort {
            let metricsServer = EngineIOServer(host: configuration.metricsHost, port: metricsPort, endpoints: [],
                                               fallback: { request in routes.respondOnMetricsPort(to: request) },
                                               logger: logger)
            services.append(.init(service: metricsServer))
        }
        services.append(.init(service: io))
        services.append(.init(service: ClientCountAnnouncer(hub: hub)))
        services.append(.init(service: ConflationTicker(hub: hub)))
        services.append(.init(service: DelayedEngineServer(server: server, hub: hub, grace: .seconds(3), logger: logger)))
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger))
        logger.info("realtimed \(configuration.replicaID) starting: bus \(configuration.busConnect.joined(separator: ",")), port \(configuration.port), families \(configuration.apiFamilies.map(\.rawValue).sorted().joined(separator: ","))")
        try await group.run()
        logger.info("realtimed stopped")
    }

    /// The listener's connection caps; refusals are counted and logged at most every 5 s.
    private static func connectionLimiter(_ configuration: RealtimeConfiguration, _ metrics: RealtimeMetrics,
                                          _ refusals: SharedRateLimitedLog, _ logger: Logger) -> ConnectionLimiter {
        ConnectionLimiter(limits: ConnectionLimits(maxConnections: configuration.maxConnections,
                                                   maxConnectionsPerAddress: configuration.maxConnectionsPerAddress)) {
            reason, address in
            (reason == .total ? metrics.connectionsRefusedTotal : metrics.connectionsRefusedPerAddress).increment()
            refusals.log(logger, level: .warning, key: "connections-\(reason.rawValue)",
                         "connection from \(address ?? "?") refused: \(ConnectionRefusalError(reason: reason))")
        }
    }
}
