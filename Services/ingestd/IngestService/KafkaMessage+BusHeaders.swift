import Bus
import Kafka

extension KafkaMessage {
    /// The headers as the bus carries them (already bounded by the consumer's `KafkaHeaderLimits`).
    var busHeaders: [BusRecordHeader] {
        headers.map { BusRecordHeader(name: $0.name, value: $0.value) }
    }
}
