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

    public init(republishInterval: Duration = .seconds(1)) {
        self.republishInterval = republishInterval
    }

    /// Records a replica's report (a `ttl_ms` of 0 removes the replica).
    public func report(_ report: BusPresenceReport, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            let previous = state.entries[report.replica]?.clients
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
