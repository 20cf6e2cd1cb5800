/// The readings of one sensor group at one moment: one DataRecord on one `stcs.*` topic.
public struct SensorReading: Sendable {
    /// The Kafka topic.
    public var topic: String
    /// Seconds since 1970, the DataRecord's `timestamp`.
    public var timestamp: Double
    /// Sensor id and value, in the order they are written.
    public var values: [(name: String, value: SensorValue)]

    public init(topic: String, timestamp: Double, values: [(name: String, value: SensorValue)]) {
        self.topic = topic
        self.timestamp = timestamp
        self.values = values
    }

    /// The value of sensor `name`, if the reading has one.
    public subscript(name: String) -> SensorValue? {
        values.first { $0.name == name }?.value
    }
}
