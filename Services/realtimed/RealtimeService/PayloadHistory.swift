import Bus
import RecordFilter
import Visibility

/// The last `capacity` payloads of a topic with the records they came from and who may see
/// them, oldest first (a ring buffer); the records let a filtered subscription get only its
/// history, the owners a merchant only what it may see.
public struct PayloadHistory: Sendable {
    /// The most payloads kept.
    public let capacity: Int
    private var storage: [(payload: [UInt8], record: BusRecord?, owner: RecordOwner)] = []
    private var head = 0
    /// Every payload as one JSON array text, once asked for; replaced at every change.
    private var allPayloadsJSON = PayloadHistoryJSONCache()

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(min(self.capacity, 1024))
    }

    /// Number of payloads kept.
    public var count: Int { storage.count }

    /// Adds a payload (the record it came from, and who may see it), dropping the oldest when full.
    public mutating func append(_ payload: [UInt8], record: BusRecord? = nil, owner: RecordOwner = .everyone) {
        allPayloadsJSON = PayloadHistoryJSONCache()
        if storage.count < capacity {
            storage.append((payload, record, owner))
        } else {
            storage[head] = (payload, record, owner)
            head = (head + 1) % capacity
        }
    }

    /// Adds a payload at its place by the Kafka timestamp of its record: after every kept
    /// payload whose record is not newer (records without a timestamp count as not newer), so
    /// payloads of equal timestamps keep their arrival order. When full, the oldest payload is
    /// dropped, which is the new one when it is older than all kept. In place: it is appended,
    /// then moved back past the newer payloads, so it costs one step per payload newer than it
    /// (a record a little late costs little; merging a whole snapshot costs its size times the
    /// kept records newer than its records).
    public mutating func insertByTimestamp(_ payload: [UInt8], record: BusRecord, owner: RecordOwner = .everyone) {
        if storage.count == capacity, let oldest = storage[head].record, oldest.timestamp > record.timestamp { return }
        append(payload, record: record, owner: owner)
        var index = storage.count - 1
        while index > 0 {
            let previous = position(index - 1)
            guard let kept = storage[previous].record, kept.timestamp > record.timestamp else { break }
            storage.swapAt(previous, position(index))
            index -= 1
        }
    }

    /// The storage index of the `index`-th payload, oldest first.
    private func position(_ index: Int) -> Int {
        storage.count < capacity ? index : (head + index) % capacity
    }

    /// The newest payload.
    public var last: [UInt8]? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity || head == 0 ? storage[storage.count - 1].payload : storage[head - 1].payload
    }

    private var ordered: ArraySlice<(payload: [UInt8], record: BusRecord?, owner: RecordOwner)> {
        storage[head...] + storage[..<head]
    }

    /// The payloads, oldest first.
    public var elements: [[UInt8]] { ordered.map(\.payload) }

    /// The payloads `viewer` may see (nil: every one), oldest first.
    public func elements(visibleTo viewer: Viewer?) -> [[UInt8]] {
        guard let viewer else { return elements }
        return ordered.filter { $0.owner.isVisible(to: viewer) }.map(\.payload)
    }

    /// The records of the payloads that pass `filter` and that `viewer` may see, oldest first.
    public func records(matching filter: RecordFilter?, visibleTo viewer: Viewer? = nil) -> [BusRecord] {
        ordered.compactMap { entry in
            guard let record = entry.record, viewer.map(entry.owner.isVisible) ?? true,
                  filter?.matches(record) ?? true else { return nil }
            return record
        }
    }

    /// The newest kept record of each key (of each partition for records without a key) that
    /// passes `filter` (every record without one), oldest first.
    public func latestPerKey(matching filter: RecordFilter? = nil, visibleTo viewer: Viewer? = nil) -> [BusRecord] {
        var seen = Set<ConflationKey>()
        var latest: [BusRecord] = []
        for entry in ordered.reversed() {
            guard let record = entry.record, filter?.matches(record) ?? true, viewer.map(entry.owner.isVisible) ?? true,
                  seen.insert(ConflationKey(record)).inserted else { continue }
            latest.append(record)
        }
        return latest.reversed()
    }

    /// The payloads as one JSON array text, oldest first; with a filter, only those whose
    /// record passes it; with a viewer, only those it may see. Without either, built once per
    /// change of the history.
    public func jsonArray(matching filter: RecordFilter? = nil, visibleTo viewer: Viewer? = nil) -> [UInt8] {
        if filter == nil && viewer == nil { return allPayloadsJSON.value { buildJSONArray(matching: nil, visibleTo: nil) } }
        return buildJSONArray(matching: filter, visibleTo: viewer)
    }

    private func buildJSONArray(matching filter: RecordFilter?, visibleTo viewer: Viewer?) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "[")]
        output.reserveCapacity(storage.reduce(2) { $0 + $1.payload.count + 1 })
        var first = true
        for entry in ordered {
            if let filter, !(entry.record.map(filter.matches) ?? false) { continue }
            if let viewer, !entry.owner.isVisible(to: viewer) { continue }
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(contentsOf: entry.payload)
        }
        output.append(UInt8(ascii: "]"))
        return output
    }

    /// The payloads as one JSON array text, oldest first.
    public var jsonArray: [UInt8] { jsonArray(matching: nil) }
}
