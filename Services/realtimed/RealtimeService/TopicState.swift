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

    /// The Socket.IO room of the topic's subscribers (kept so broadcasts build no string).
    public let room: String
    /// The event families the topic appears in (``TopicFamilyScope``).
    public let families: Set<APIFamily>

    public init(topic: String, historySize: Int, families: Set<APIFamily> = Set(APIFamily.allCases)) {
        self.families = families
        priceWarsHistory = PayloadHistory(capacity: historySize)
        room = RealtimeHub.room(topic)
    }
}
