/// A partition of a topic, with an offset where one is meant (a position, a start, an end).
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64 = KafkaOffset.invalid) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// librdkafka's logical offsets.
public enum KafkaOffset {
    /// The oldest record still held.
    public static let beginning: Int64 = -2
    /// The end: only records produced from now on.
    public static let end: Int64 = -1
    /// The group's committed offset.
    public static let stored: Int64 = -1000
    /// No offset.
    public static let invalid: Int64 = -1001
    /// `count` records before the end (resolved by the broker's high watermark).
    public static func tail(_ count: Int) -> Int64 { -2000 - Int64(count) }
}
