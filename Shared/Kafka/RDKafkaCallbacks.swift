/// Swift closures that librdkafka's C callbacks reach through the client's opaque pointer.
/// Errors, rebalances and delivery reports run on the thread that polls the client; log lines on
/// librdkafka's own threads. All are `@Sendable` and fixed at creation.
final class RDKafkaCallbacks: Sendable {
    /// Error events (broker down, authentication failures, ...).
    let onError: (@Sendable (KafkaError) -> Void)?
    /// librdkafka log lines: syslog level, facility, message.
    let onLog: (@Sendable (Int32, String, String) -> Void)?
    /// A rebalance: `true` with the partitions assigned (return them with start offsets), `false`
    /// when partitions are revoked.
    let onRebalance: (@Sendable (Bool, [KafkaTopicPartition]) -> [KafkaTopicPartition])?
    /// A produced record could not be delivered.
    let onDeliveryFailure: (@Sendable (KafkaError) -> Void)?

    init(onDeliveryFailure: (@Sendable (KafkaError) -> Void)? = nil, onError: (@Sendable (KafkaError) -> Void)? = nil,
         onLog: (@Sendable (Int32, String, String) -> Void)? = nil,
         onRebalance: (@Sendable (Bool, [KafkaTopicPartition]) -> [KafkaTopicPartition])? = nil) {
        self.onError = onError
        self.onLog = onLog
        self.onRebalance = onRebalance
        self.onDeliveryFailure = onDeliveryFailure
    }
}
