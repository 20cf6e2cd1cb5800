import Bus
import RecordFilter

/// What a filter reads of a stored row's record: its partition, offset and Kafka timestamp, and
/// the key and value JSON text and headers kept with it (``StoredRecord``); the same fields
/// realtimed's filters read of a bus record.
struct FilteredRecord: FilterableRecord {
    var partition: Int32
    var offset: Int64
    var timestamp: Int64
    var key: [UInt8]?
    var value: [UInt8]?
    /// The headers; empty when unknown (a filter that reads headers does not judge such rows).
    var headers: [BusRecordHeader]

    /// The record of `row`; key and value are nil when it has no ``StoredRecord``.
    init(_ row: StoredRow, _ record: StoredRecord?) {
        partition = row.partition
        offset = row.offset
        timestamp = row.kafkaTimestamp
        key = record?.key
        value = record?.value
        headers = record?.headers ?? []
    }

    func lastHeader(named name: String) -> [UInt8]?? {
        guard let header = headers.last(where: { $0.name == name }) else { return nil }
        return .some(header.value)
    }
}
