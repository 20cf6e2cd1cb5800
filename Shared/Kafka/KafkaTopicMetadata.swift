/// A topic as the cluster's metadata describes it.
public struct KafkaTopicMetadata: Sendable, Equatable {
    public var name: String
    public var partitions: [Int32]
    /// Set when the broker reported an error for this topic.
    public var error: KafkaError?

    public init(name: String, partitions: [Int32], error: KafkaError? = nil) {
        self.name = name
        self.partitions = partitions
        self.error = error
    }
}
