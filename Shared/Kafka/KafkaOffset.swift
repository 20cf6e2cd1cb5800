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
