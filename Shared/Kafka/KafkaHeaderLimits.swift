/// Bounds on the headers copied out of one consumed record. Headers are kept in order while
/// both bounds hold; the first header that would exceed either, and every header after it, is
/// left out and counted in ``KafkaMessage/headersDropped`` (the record itself is still delivered).
public struct KafkaHeaderLimits: Sendable, Hashable {
    /// Most headers kept per record.
    public var maximumCount: Int
    /// Most bytes of names and values kept per record.
    public var maximumBytes: Int

    public init(maximumCount: Int = 64, maximumBytes: Int = 16 * 1024) {
        self.maximumCount = maximumCount
        self.maximumBytes = maximumBytes
    }

    /// No headers at all (every header is dropped and counted).
    public static let none = KafkaHeaderLimits(maximumCount: 0, maximumBytes: 0)
}
