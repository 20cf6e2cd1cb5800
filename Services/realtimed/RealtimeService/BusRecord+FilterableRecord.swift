import Bus
import RecordFilter

/// Filters read a bus record's partition, offset, Kafka timestamp, key and value (JSON text) and
/// its Kafka headers (``BusRecord/lastHeader(named:)``).
extension BusRecord: FilterableRecord {}
