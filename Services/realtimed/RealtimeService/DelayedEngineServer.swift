import Logging
import ServiceLifecycle
import SocketIO

/// Runs the Socket.IO/HTTP server once the hub holds a first snapshot (or after `grace`, when no
/// publisher answers), so the first clients of a replica started late get the full cache.
final class DelayedEngineServer: Service, Sendable {
    let server: EngineIOServer
    let hub: RealtimeHub
    let grace: Duration
    let logger: Logger

    init(server: EngineIOServer, hub: RealtimeHub, grace: Duration, logger: Logger) {
        self.server = server
        self.hub = hub
        self.grace = grace
        self.logger = logger
    }

    func run() async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while !hub.isSynced, clock.now < deadline, !Task.isShuttingDownGracefully {
            guard (try? await Task.sleep(for: .milliseconds(10))) != nil else { break }
        }
        if !hub.isSynced && !Task.isShuttingDownGracefully && !Task.isCancelled {
            logger.warning("no bus snapshot yet; serving clients anyway")
        }
        // Runs even when shutdown began meanwhile: it then binds and stops at once, which also
        // settles the server's bound-port promise.
        try await server.run()
    }
}
