/// What a ``BusSubscriber`` delivers, in order.
public enum BusSubscriberEvent: Sendable, Hashable {
    /// A complete state: replaces whatever the consumer built from earlier events. Comes first,
    /// and again after every ``resync(_:)``. Live records that follow continue from
    /// `snapshot.end.sequence`.
    case snapshot(BusSnapshot, reason: BusSyncReason)
    /// A live record, exactly once and in sequence order after the latest snapshot.
    case record(BusRecord)
    /// Sync was lost for `reason`; a new ``snapshot(_:reason:)`` follows.
    case resync(BusSyncReason)
}
