import RecordFilter

/// A record for filter tests.
struct FilterTestRecord: FilterableRecord {
    var partition: Int32 = 0
    var offset: Int64 = 0
    var timestamp: Int64 = -1
    var key: [UInt8]?
    var value: [UInt8]?
    /// Kafka headers in order (names may repeat; nil is a null value).
    var headers: [(name: String, value: [UInt8]?)] = []

    init(partition: Int32 = 0, offset: Int64 = 0, timestamp: Int64 = -1, key: String? = nil, value: String?,
         headers: [(name: String, value: [UInt8]?)] = []) {
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key.map { Array($0.utf8) }
        self.value = value.map { Array($0.utf8) }
        self.headers = headers
    }

    func lastHeader(named name: String) -> [UInt8]?? {
        guard let header = headers.last(where: { $0.name == name }) else { return nil }
        return .some(header.value)
    }
}
