/// A complete reply to SNAPSHOT or REPLAY: its records, in the order the server sent them, and
/// the END marker they are consistent with.
public struct BusSnapshot: Sendable, Hashable {
    /// The records of the reply.
    public var records: [BusRecord]
    /// The publisher epoch and last sequence the records are consistent with.
    public var end: BusEndMarker
    /// Of a REPLAY: partitions whose requested records Kafka no longer holds. Of a SNAPSHOT:
    /// partitions that restarted below the publisher's position while it ran (kind *rewound*:
    /// their topic was recreated), which a subscriber that delivered their old offsets asks about.
    public var gaps: [BusReplayGap]

    public init(records: [BusRecord], end: BusEndMarker, gaps: [BusReplayGap] = []) {
        self.records = records
        self.end = end
        self.gaps = gaps
    }
}
