/// A complete reply to SNAPSHOT or REPLAY: its records, in the order the server sent them, and
/// the END marker they are consistent with.
public struct BusSnapshot: Sendable, Hashable {
    /// The records of the reply.
    public var records: [BusRecord]
    /// The publisher epoch and last sequence the records are consistent with.
    public var end: BusEndMarker
    /// Partitions of a REPLAY whose requested records Kafka no longer holds.
    public var gaps: [BusReplayGap]

    public init(records: [BusRecord], end: BusEndMarker, gaps: [BusReplayGap] = []) {
        self.records = records
        self.end = end
        self.gaps = gaps
    }
}
