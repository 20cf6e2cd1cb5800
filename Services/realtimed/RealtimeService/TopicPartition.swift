/// A Kafka partition of a topic: the unit records are deduplicated by.
public struct TopicPartition: Hashable, Sendable {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}
