import Synchronization

/// The publisher side's table of replica reports: filled by PRESENCE requests (any thread),
/// read by the thread that owns the ``BusPublisher`` to publish ``BusPresence`` messages when it
/// changed and periodically.
public final class BusPresenceTable: Sendable {
    private struct Entry {
        var clients: Int
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var changed = false
        var lastPublished: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    /// How often the table is published even without changes.
    public let republishInterval: Duration
    /// The most replicas the table holds; a report from one more is refused.
    public let maximumReplicas: Int
    /// The most clients one replica may report; a larger count is refused. With
    /// ``maximumReplicas`` it bounds the table's sum, which never overflows.
    public let maximumClientsPerReplica: Int

    /// - Parameters:
    ///   - maximumReplicas: 1 to ``BusPresence/maximumReplicas``.
    ///   - maximumClientsPerReplica: 0 to ``BusPresence/maximumClientsPerReplica``.
    public init(republishInterval: Duration = .seconds(1), maximumReplicas: Int = 256,
                maximumClientsPerReplica: Int = 1_000_000) {
        self.republishInterval = republishInterval
        self.maximumReplicas = min(max(1, maximumReplicas), BusPresence.maximumReplicas)
        self.maximumClientsPerReplica = min(max(0, maximumClientsPerReplica), BusPresence.maximumClientsPerReplica)
    }

    /// Records a replica's report (a `ttl_ms` of 0 removes the replica).
    /// - Throws: ``BusRequestRefusal`` when the count is over ``maximumClientsPerReplica`` or the
    ///   replica is new and the table already holds ``maximumReplicas``; the table is unchanged.
    public func report(_ report: BusPresenceReport, now: ContinuousClock.Instant = .now) throws(BusRequestRefusal) {
        guard report.clients <= maximumClientsPerReplica else {
            throw BusRequestRefusal(limit: "presence_clients",
                                    reason: "PRESENCE clients \(report.clients) exceeds the limit of \(maximumClientsPerReplica) per replica")
        }
        try state.withLock { (state) throws(BusRequestRefusal) in
            let previous = state.entries[report.replica]?.clients
            if previous == nil, report.ttlMilliseconds > 0, state.entries.count >= maximumReplicas {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= maximumReplicas {
                    throw BusRequestRefusal(limit: "presence_replicas",
                                            reason: "PRESENCE table is full (\(maximumReplicas) replicas); replica '\(report.replica)' refused")
                }
                state.changed = true
            }
            if report.ttlMilliseconds == 0 {
                if state.entries.removeValue(forKey: report.replica) != nil { state.changed = true }
            } else {
                state.entries[report.replica] = Entry(
                    clients: report.clients, expires: now + .milliseconds(report.ttlMilliseconds))
                if previous != report.clients { state.changed = true }
            }
        }
    }

    /// The current table.
    public func current(now: ContinuousClock.Instant = .now) -> BusPresence {
        state.withLock { state in
            BusPresence(replicas: state.entries.filter { $0.value.expires > now }.mapValues(\.clients))
        }
    }

    /// The table to publish now, or nil: after a change (a new count, a replica added, removed or
    /// expired), and every ``republishInterval`` while any replica is known.
    public func due(now: ContinuousClock.Instant = .now) -> BusPresence? {
        return state.withLock { state in
            let before = state.entries.count
            state.entries = state.entries.filter { $0.value.expires > now }
            if state.entries.count != before { state.changed = true }
            let periodic = !state.entries.isEmpty
                && (state.lastPublished.map { now - $0 >= republishInterval } ?? true)
            guard state.changed || periodic else { return nil }
            state.changed = false
            state.lastPublished = now
            return BusPresence(replicas: state.entries.mapValues(\.clients))
        }
    }
}
