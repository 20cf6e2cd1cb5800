import Synchronization

/// Request counters of a snapshot server, readable from any thread.
final class BusSnapshotServerCounters: Sendable {
    let received = Atomic<Int>(0)
    let served = Atomic<Int>(0)
    let malformed = Atomic<Int>(0)
}
