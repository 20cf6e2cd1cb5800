import Bus

/// The key and value of a stored record as ingestd decoded them (JSON text) and its Kafka
/// headers, kept once per record and shared by its rows, so `?filter=` reads the record itself
/// as realtimed does, not its CSV cells (issue 19). Rows loaded from a journal written before
/// filters have none; records loaded from one written before headers have unknown headers.
final class StoredRecord: Sendable {
    /// The key as JSON text; nil for a null key.
    let key: [UInt8]?
    /// The value as JSON text.
    let value: [UInt8]
    /// The Kafka headers in order; nil when not known (stored before exportd kept headers).
    let headers: [BusRecordHeader]?

    init(key: [UInt8]?, value: [UInt8], headers: [BusRecordHeader]?) {
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// Bytes of JSON text and header names and values held.
    var byteCount: Int {
        (key?.count ?? 0) + value.count + (headers ?? []).reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) }
    }
}
