/// What a consumer poll returns.
public enum KafkaConsumerEvent: Sendable, Equatable {
    /// A record.
    case message(KafkaMessage)
    /// The consumer reached the current end of a partition; `offset` is the next offset to be written.
    case partitionEOF(topic: String, partition: Int32, offset: Int64)
    /// The partition no longer holds `offset`, where consumption stood (`auto.offset.reset=error`):
    /// its records were deleted (retention) or it was recreated or truncated. The partition is
    /// not read until the consumer seeks it.
    case offsetOutOfRange(topic: String, partition: Int32, offset: Int64)
    /// A consumer error that does not stop consumption (librdkafka retries by itself).
    case error(KafkaError)
}
