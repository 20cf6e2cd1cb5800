import Bus
import Logging
import ServiceLifecycle
import ZeroMQ

/// Reports this replica's client count to one ingestd (a PRESENCE request on its snapshot
/// socket) whenever it changes and every `PRESENCE_INTERVAL_MS`; on shutdown it withdraws the
/// replica (a report with `ttl_ms` 0). ingestd publishes every replica's count on the bus,
/// where ``BusFollower`` picks it up for the hub.
final class PresenceReporter: Service, Sendable {
    let endpoint: String
    let context: ZMQContext
    let hub: RealtimeHub
    let replica: String
    let interval: Duration
    let security: BusSocketSecurity
    let logger: Logger

    init(endpoint: String, configuration: RealtimeConfiguration, context: ZMQContext, hub: RealtimeHub, logger: Logger) {
        self.endpoint = endpoint
        self.context = context
        self.hub = hub
        self.replica = configuration.replicaID
        self.interval = .milliseconds(configuration.presenceIntervalMilliseconds)
        self.security = configuration.busSecurity
        self.logger = logger
    }

    /// How long a report stays valid at ingestd: three intervals and a second.
    var ttlMilliseconds: Int {
        Int(interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000) * 3 + 1000
    }

    func run() async throws {
        let clock = ContinuousClock()
        var lastSent: Int?
        var lastSentAt = clock.now
        var failures = 0
        var retryAt = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let count = hub.localClients
            if clock.now >= retryAt && (count != lastSent || clock.now - lastSentAt >= interval) {
                lastSentAt = clock.now
                if await send(count, ttl: ttlMilliseconds) {
                    lastSent = count
                    failures = 0
                } else {
                    // ingestd is away: try again in half a second rather than at once.
                    failures += 1
                    retryAt = clock.now + .milliseconds(500)
                    if failures == 1 { logger.info("presence report to \(endpoint) failed; retrying") }
                }
            }
            guard (try? await Task.sleep(for: .milliseconds(20))) != nil else { break }
        }
        // Withdraw this replica at once (when ingestd answers at all, so shutdown stays quick).
        if failures == 0 { _ = await send(0, ttl: 0) }
    }

    private func send(_ clients: Int, ttl: Int) async -> Bool {
        let report = BusPresenceReport(replica: replica, clients: max(0, clients), ttlMilliseconds: ttl)
        do {
            _ = try await BusSnapshotClient.request(.presence(report), endpoint: endpoint, context: context,
                                                    idleTimeout: .milliseconds(300), security: security)
            return true
        } catch {
            return false
        }
    }
}
