import Bus
import Kafka

extension [KafkaHeader] {
    /// The headers as the bus carries them (already bounded by the consumer's `KafkaHeaderLimits`).
    var busHeaders: [BusRecordHeader] {
        isEmpty ? [] : map { BusRecordHeader(name: $0.name, value: $0.value) }
    }
}
