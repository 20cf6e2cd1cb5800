import RecordFilter

/// A record for filter tests.
struct FilterTestRecord: FilterableRecord {
    var partition: Int32 = 0
    var offset: Int64 = 0
    var timestamp: Int64 = -1
    var key: [UInt8]?
    var value: [UInt8]?

    init(partition: Int32 = 0, offset: Int64 = 0, timestamp: Int64 = -1, key: String? = nil, value: String?) {
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key.map { Array($0.utf8) }
        self.value = value.map { Array($0.utf8) }
    }
}
