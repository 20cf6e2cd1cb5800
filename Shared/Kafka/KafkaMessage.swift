/// One consumed record, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Record timestamp in milliseconds since the epoch, or -1 when the record has none.
    public var timestamp: Int64
    /// The key bytes; `nil` when the record has no key.
    public var key: [UInt8]?
    /// The value bytes; `nil` for a tombstone.
    public var value: [UInt8]?

    public init(topic: String, partition: Int32, offset: Int64, timestamp: Int64,
                key: [UInt8]?, value: [UInt8]?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }
}
