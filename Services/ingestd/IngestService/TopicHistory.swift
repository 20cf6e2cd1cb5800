import Bus

/// A fixed-capacity ring of a topic's most recent records.
struct TopicHistory {
    private var buffer: [BusRecord] = []
    private var start = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        buffer.reserveCapacity(min(capacity, 1024))
    }

    var count: Int { buffer.count }

    mutating func append(_ record: BusRecord) {
        if buffer.count < capacity {
            buffer.append(record)
        } else {
            buffer[start] = record
            start = (start + 1) % capacity
        }
    }

    /// Drops the records of `partition` (its topic was recreated: they belong to its old log).
    mutating func removeRecords(ofPartition partition: Int32) {
        buffer = records.filter { $0.partition != partition }
        start = 0
    }

    /// Oldest first.
    var records: [BusRecord] {
        Array(buffer[start...] + buffer[..<start])
    }
}
