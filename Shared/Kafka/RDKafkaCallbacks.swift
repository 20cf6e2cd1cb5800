/// Swift closures that librdkafka's C callbacks reach through the client's opaque pointer.
/// They run on the thread that polls the client (errors, rebalances) or on librdkafka's threads (logs).
final class RDKafkaCallbacks: @unchecked Sendable {
    /// Error events (broker down, authentication failures, ...).
    var onError: ((KafkaError) -> Void)?
    /// librdkafka log lines: syslog level, facility, message.
    var onLog: ((Int32, String, String) -> Void)?
    /// A rebalance: `true` with the partitions assigned (return them with start offsets), `false`
    /// when partitions are revoked.
    var onRebalance: ((Bool, [KafkaTopicPartition]) -> [KafkaTopicPartition])?
    /// A produced record could not be delivered.
    var onDeliveryFailure: ((KafkaError) -> Void)?

    init(onDeliveryFailure: ((KafkaError) -> Void)? = nil, onError: ((KafkaError) -> Void)? = nil, onLog: ((Int32, String, String) -> Void)? = nil,
         onRebalance: ((Bool, [KafkaTopicPartition]) -> [KafkaTopicPartition])? = nil) {
        self.onError = onError
        self.onLog = onLog
        self.onRebalance = onRebalance
        self.onDeliveryFailure = onDeliveryFailure
    }
}
