/// The key and value of a stored record as ingestd decoded them (JSON text), kept once per
/// record and shared by its rows, so `?filter=` reads the record itself as realtimed does, not
/// its CSV cells (issue 19). Rows loaded from a journal written before filters have none.
final class StoredRecord: Sendable {
    /// The key as JSON text; nil for a null key.
    let key: [UInt8]?
    /// The value as JSON text.
    let value: [UInt8]

    init(key: [UInt8]?, value: [UInt8]) {
        self.key = key
        self.value = value
    }

    /// Bytes of JSON text held.
    var byteCount: Int { (key?.count ?? 0) + value.count }
}
