/// One Kafka record header, copied out of librdkafka's buffers.
public struct KafkaHeader: Sendable, Equatable {
    /// The header's name; bytes that are not UTF-8 are replaced (U+FFFD).
    public var name: String
    /// The value bytes; nil for a null value.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// Bytes the header takes against ``KafkaHeaderLimits/maximumBytes``: name and value.
    public var byteCount: Int { name.utf8.count + (value?.count ?? 0) }
}
