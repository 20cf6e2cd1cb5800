import Bus

/// What realtimed knows about one topic.
public struct TopicState: Sendable {
    /// Records of the topic applied since start (from snapshots and live).
    public var recordsSeen: Int = 0
    /// The newest record.
    public var lastRecord: BusRecord?
    /// The newest solar payload (`sensor_values_cache` on connect).
    public var solarLatest: [UInt8]?
    /// The last Price Wars payloads, oldest first (history on connect).
    public var priceWarsHistory: PayloadHistory

    public init(historySize: Int) {
        priceWarsHistory = PayloadHistory(capacity: historySize)
    }
}
