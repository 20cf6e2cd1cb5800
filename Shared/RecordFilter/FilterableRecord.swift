/// What a filter reads of a record: its place in Kafka, its key and value as JSON text and its
/// Kafka headers.
public protocol FilterableRecord {
    /// The partition.
    var partition: Int32 { get }
    /// The offset in the partition.
    var offset: Int64 { get }
    /// The Kafka timestamp in milliseconds since the epoch (negative when absent).
    var timestamp: Int64 { get }
    /// The key as JSON text (nil for none).
    var key: [UInt8]? { get }
    /// The value as JSON text (nil for a tombstone).
    var value: [UInt8]? { get }
    /// The value of the record's **last** header named `name` (names compare as Swift strings,
    /// as JSON member names do): nil when the record has no header of that name, `.some(nil)`
    /// when that header's value is null.
    func lastHeader(named name: String) -> [UInt8]??
}
