import Bus
import Visibility

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
    /// With `AUTH_MODE=token`: per owner, its newest record and solar payload and its count, so a
    /// merchant's view is the newer of the public one and its own.
    public var byOwner: [RecordOwner: OwnerView] = [:]

    /// The Socket.IO room of the topic's subscribers (kept so broadcasts build no string).
    public let room: String
    /// The event families the topic appears in (``TopicFamilyScope``).
    public let families: Set<APIFamily>

    public init(topic: String, historySize: Int, families: Set<APIFamily> = Set(APIFamily.allCases)) {
        self.families = families
        priceWarsHistory = PayloadHistory(capacity: historySize)
        room = RealtimeHub.room(topic)
    }

    /// What one owner's records gave, each newest with its place in the topic's order.
    public struct OwnerView: Sendable {
        public var seen = 0
        public var lastRecord: (order: Int, record: BusRecord)?
        public var solar: (order: Int, payload: [UInt8])?
    }

    /// What `viewer` may know of the topic: its count of records, newest record and newest solar
    /// payload among those it may see (nil viewer: all of them).
    public func view(for viewer: Viewer?) -> (seen: Int, lastRecord: BusRecord?, solar: [UInt8]?) {
        guard case .merchant(let id)? = viewer else { return (recordsSeen, lastRecord, solarLatest) }
        let views = [byOwner[.everyone], byOwner[.merchant(id)]].compactMap { $0 }
        let last = views.compactMap(\.lastRecord).max { $0.order < $1.order }?.record
        let solar = views.compactMap(\.solar).max { $0.order < $1.order }?.payload
        return (views.reduce(0) { $0 + $1.seen }, last, solar)
    }
}
