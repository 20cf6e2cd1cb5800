/// What a filter reads of a record: its place in Kafka and its key and value as JSON text.
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
}
