import Bus
import RecordFilter

/// A bus record as filters read it (what realtimed's `BusRecord: FilterableRecord` gives), for
/// judging records directly, without exportd's storage.
struct BusRecordFields: FilterableRecord {
    let record: BusRecord

    init(_ record: BusRecord) { self.record = record }

    var partition: Int32 { record.partition }
    var offset: Int64 { record.offset }
    var timestamp: Int64 { record.timestamp }
    var key: [UInt8]? { record.key }
    var value: [UInt8]? { record.value }
    func lastHeader(named name: String) -> [UInt8]?? { record.lastHeader(named: name) }
}
