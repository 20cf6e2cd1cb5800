/// What a ``BusSubscriber`` delivers, in order.
public enum BusSubscriberEvent: Sendable, Hashable {
    /// A complete state: replaces whatever the consumer built from earlier events. Comes first,
    /// and again after every ``resync(_:)``. Live records that follow continue from
    /// `snapshot.end.sequence`.
    case snapshot(BusSnapshot, reason: BusSyncReason)
    /// Live records, in sequence order after the latest snapshot, each delivered exactly once.
    /// Records are batched (up to about a thousand per event) to keep delivery cheap.
    case records([BusRecord])
    /// Sync was lost for `reason`; a new ``snapshot(_:reason:)`` follows.
    case resync(BusSyncReason)
}
