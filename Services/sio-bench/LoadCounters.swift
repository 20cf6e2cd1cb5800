import Synchronization

/// Counters shared by all load clients (atomics, updated at most once per read).
final class LoadCounters: Sendable {
    /// Clients whose Socket.IO CONNECT was answered.
    let connected = Atomic<Int>(0)
    /// Of those, the Engine.IO v3 clients.
    let connectedEIO3 = Atomic<Int>(0)
    /// Clients whose connection closed before the run ended.
    let dropped = Atomic<Int>(0)
    /// Clients the server refused: a CONNECT_ERROR (e.g. a missing token) or a `subscribe`
    /// acknowledged with an error (e.g. a bad filter).
    let refused = Atomic<Int>(0)
    /// Set when the run is over: closes after this are not drops.
    let stopping = Atomic<Bool>(false)
    /// The measurement window, wall-clock microseconds: samples arriving in [from, until) count.
    let windowFrom = Atomic<Int64>(.max)
    let windowUntil = Atomic<Int64>(.max)
    /// Events that were not the `tick` the clients expect (a parse check).
    let malformed = Atomic<Int>(0)
}
