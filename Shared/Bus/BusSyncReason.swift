/// Why a subscriber (re)fetched a snapshot.
public enum BusSyncReason: Sendable, Hashable, CustomStringConvertible {
    /// The first join after start.
    case initial
    /// A live record's sequence was not the expected one: messages were lost (a full queue at
    /// the publisher, a reconnect, or a join that raced with the subscription).
    case sequenceGap(expected: UInt64, received: UInt64)
    /// A live record came from another publisher run (the publisher restarted).
    case epochChanged(from: UInt64, to: UInt64)
    /// The previous snapshot request failed or timed out; it is being retried.
    case snapshotFailed(String)
    /// Too many live records arrived while a snapshot was being fetched.
    case bufferOverflow

    public var description: String {
        switch self {
        case .initial: "initial join"
        case let .sequenceGap(expected, received): "sequence gap: expected \(expected), received \(received)"
        case let .epochChanged(from, to): "publisher epoch changed from \(from) to \(to)"
        case let .snapshotFailed(reason): "snapshot failed: \(reason)"
        case .bufferOverflow: "too many live records buffered while joining"
        }
    }
}
