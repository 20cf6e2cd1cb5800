/// One record for Kafka: topic, optional key, value bytes.
public struct DemoRecord: Sendable {
    public var topic: String
    public var key: [UInt8]?
    public var value: [UInt8]

    public init(topic: String, key: [UInt8]? = nil, value: [UInt8]) {
        self.topic = topic
        self.key = key
        self.value = value
    }
}
