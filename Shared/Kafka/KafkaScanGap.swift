/// Records a scan asked for that the partition no longer holds, found when the partition's first
/// record (or its end) is not at the requested offset.
public struct KafkaScanGap: Hashable, Sendable {
    /// Why the requested offset is not there.
    public enum Kind: String, Sendable, Hashable {
        /// The records from the requested offset up to `available` were deleted (retention,
        /// DeleteRecords): the partition's log now starts after the requested offset.
        case deleted
        /// The partition ends before the requested offset: it was deleted and created again, or
        /// truncated. Its offsets start again; what it holds now starts at `available`.
        case rewound
    }

    public var topic: String
    public var partition: Int32
    /// Where the scan asked to start.
    public var requested: Int64
    /// The first offset the partition holds now (its log start for `deleted`).
    public var available: Int64
    public var kind: Kind

    public init(topic: String, partition: Int32, requested: Int64, available: Int64, kind: Kind) {
        self.topic = topic
        self.partition = partition
        self.requested = requested
        self.available = available
        self.kind = kind
    }
}
