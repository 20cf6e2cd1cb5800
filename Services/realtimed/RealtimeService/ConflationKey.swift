import Bus

/// What records are conflated by: a topic and the record's Kafka key (its bytes as decoded on
/// the bus); records without a key are conflated per partition of their topic.
struct ConflationKey: Hashable, Sendable {
    let topic: String
    /// The key's bytes; nil for records without a key.
    let key: [UInt8]?
    /// The partition, for records without a key (-1 when there is a key).
    let partition: Int32

    init(topic: String, key: [UInt8]?, partition: Int32) {
        self.topic = topic
        self.key = key
        self.partition = key == nil ? partition : -1
    }

    init(_ record: BusRecord) {
        self.init(topic: record.topic, key: record.key, partition: record.partition)
    }
}
