import Bus
import RecordFilter

/// The last `capacity` payloads of a topic with the records they came from, oldest first (a
/// ring buffer); the records let a filtered subscription get only its history.
public struct PayloadHistory: Sendable {
    /// The most payloads kept.
    public let capacity: Int
    private var storage: [(payload: [UInt8], record: BusRecord?)] = []
    private var head = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(min(self.capacity, 1024))
    }

    /// Number of payloads kept.
    public var count: Int { storage.count }

    /// Adds a payload (and the record it came from), dropping the oldest when full.
    public mutating func append(_ payload: [UInt8], record: BusRecord? = nil) {
        if storage.count < capacity {
            storage.append((payload, record))
        } else {
            storage[head] = (payload, record)
            head = (head + 1) % capacity
        }
    }

    /// The newest payload.
    public var last: [UInt8]? {
        guard !storage.isEmpty else { return nil }
        return storage.count < capacity || head == 0 ? storage[storage.count - 1].payload : storage[head - 1].payload
    }

    private var ordered: ArraySlice<(payload: [UInt8], record: BusRecord?)> {
        storage[head...] + storage[..<head]
    }

    /// The payloads, oldest first.
    public var elements: [[UInt8]] { ordered.map(\.payload) }

    /// The records of the payloads that pass `filter`, oldest first.
    public func records(matching filter: RecordFilter) -> [BusRecord] {
        ordered.compactMap { entry in entry.record.flatMap { filter.matches($0) ? $0 : nil } }
    }

    /// The newest kept record of each key (of each partition for records without a key) that
    /// passes `filter` (every record without one), oldest first.
    public func latestPerKey(matching filter: RecordFilter? = nil) -> [BusRecord] {
        var seen = Set<ConflationKey>()
        var latest: [BusRecord] = []
        for entry in ordered.reversed() {
            guard let record = entry.record, filter?.matches(record) ?? true,
                  seen.insert(ConflationKey(record)).inserted else { continue }
            latest.append(record)
        }
        return latest.reversed()
    }

    /// The payloads as one JSON array text, oldest first; with a filter, only those whose
    /// record passes it.
    public func jsonArray(matching filter: RecordFilter? = nil) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "[")]
        output.reserveCapacity(storage.reduce(2) { $0 + $1.payload.count + 1 })
        var first = true
        for entry in ordered {
            if let filter, !(entry.record.map(filter.matches) ?? false) { continue }
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
