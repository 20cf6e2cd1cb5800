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
    /// The record's headers in order, as far as ``KafkaHeaderLimits`` allowed.
    public var headers: [KafkaHeader]
    /// Headers of the record left out by ``KafkaHeaderLimits`` (the last ones).
    public var headersDropped: Int

    public init(topic: String, partition: Int32, offset: Int64, timestamp: Int64,
                key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = [], headersDropped: Int = 0) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
        self.headersDropped = headersDropped
    }
}
