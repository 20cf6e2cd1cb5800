import NIOConcurrencyHelpers

/// Counts a listener's open connections, in all and per remote address, and decides whether a
/// new one is admitted. Thread-safe: every event loop of the listener shares one limiter.
///
/// Use ``handler()`` to get the channel handler that asks on each new connection and gives the
/// slot back when the connection closes.
public final class ConnectionLimiter: Sendable {
    /// A slot held by one admitted connection; give it back with ``release(_:)`` exactly once.
    public struct Admission: Sendable, Equatable {
        let address: String?
    }

    private struct State {
        var open = 0
        var perAddress: [String: Int] = [:]
        var refused: [ConnectionRefusal: Int] = [:]
    }

    /// The limits this limiter applies.
    public let limits: ConnectionLimits
    private let state = NIOLockedValueBox(State())
    private let onRefusal: @Sendable (ConnectionRefusal, String?) -> Void

    /// - Parameters:
    ///   - limits: the limits to apply.
    ///   - onRefusal: called (outside the lock) for every refused connection, with the reason
    ///     and the remote address, to count and log it.
    public init(limits: ConnectionLimits, onRefusal: @escaping @Sendable (ConnectionRefusal, String?) -> Void = { _, _ in }) {
        self.limits = limits
        self.onRefusal = onRefusal
    }

    /// Admits a connection from `address` (an IP address without port; nil when unknown, which
    /// counts toward the total only), or says why not.
    public func admit(address: String?) -> Result<Admission, ConnectionRefusalError> {
        let decision: Result<Admission, ConnectionRefusalError> = state.withLockedValue { state in
            if state.open >= limits.maxConnections {
                state.refused[.total, default: 0] += 1
                return .failure(ConnectionRefusalError(reason: .total))
            }
            if let address, state.perAddress[address, default: 0] >= limits.maxConnectionsPerAddress {
                state.refused[.perAddress, default: 0] += 1
                return .failure(ConnectionRefusalError(reason: .perAddress))
            }
            state.open += 1
            if let address { state.perAddress[address, default: 0] += 1 }
            return .success(Admission(address: address))
        }
        if case .failure(let refusal) = decision { onRefusal(refusal.reason, address) }
        return decision
    }

    /// Gives back the slot of a connection that closed.
    public func release(_ admission: Admission) {
        state.withLockedValue { state in
            state.open -= 1
            if let address = admission.address {
                let left = state.perAddress[address, default: 1] - 1
                state.perAddress[address] = left > 0 ? left : nil
            }
        }
    }

    /// Connections admitted and not yet released.
    public var openConnections: Int { state.withLockedValue(\.open) }

    /// Connections refused so far, per reason.
    public func refusedConnections(_ reason: ConnectionRefusal) -> Int {
        state.withLockedValue { $0.refused[reason, default: 0] }
    }

    /// A new handler for one connection's pipeline (add it first): it asks this limiter when
    /// the connection is accepted, closes a refused connection at once, and releases the slot
    /// when the connection closes.
    public func handler() -> ConnectionLimitHandler { ConnectionLimitHandler(limiter: self) }
}
