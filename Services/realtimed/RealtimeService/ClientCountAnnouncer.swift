import ServiceLifecycle

/// Sends `connected_clients` at most every ``interval`` and only when the count changed, so a
/// connect storm costs one broadcast per interval instead of one per connect (quadratic).
struct ClientCountAnnouncer: Service {
    /// How often the count may go out: at most four updates per second per client.
    static let interval: Duration = .milliseconds(250)

    let hub: RealtimeHub

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            hub.announceClientCount()
            guard (try? await Task.sleep(for: Self.interval)) != nil else { break }
        }
    }
}
