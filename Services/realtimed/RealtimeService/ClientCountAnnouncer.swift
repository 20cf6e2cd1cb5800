import ServiceLifecycle

/// Broadcasts `connected_clients` when the count changed, once it has settled: after
/// ``settle`` without a change, or at the latest ``maximumDelay`` after the last broadcast
/// while it keeps changing. A connect storm thus costs one broadcast every few seconds instead
/// of one per connect (quadratic); each new client gets the count alone at once.
struct ClientCountAnnouncer: Service {
    /// How often the count is looked at (and the client gauges updated).
    static let tick: Duration = .milliseconds(250)
    /// How long the count must stay the same before it goes out.
    static let settle: Duration = .seconds(1)
    /// The longest a changed count waits while it keeps changing.
    static let maximumDelay: Duration = .seconds(5)

    let hub: RealtimeHub

    func run() async throws {
        let clock = ContinuousClock()
        var seen = -1
        var changedAt = clock.now
        var announcedAt = clock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let total = hub.totalClients
            if total != seen {
                seen = total
                changedAt = clock.now
            }
            let now = clock.now
            let due = now - changedAt >= Self.settle || now - announcedAt >= Self.maximumDelay
            if hub.announceClientCount(broadcast: due) { announcedAt = now }
            hub.expireRecoveries()
            hub.expireTokens()
            guard (try? await Task.sleep(for: Self.tick)) != nil else { break }
        }
    }
}
