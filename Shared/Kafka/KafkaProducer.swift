import Logging

/// A Kafka producer for tests, benchmarks and the demo: sends records, creates topics.
///
/// librdkafka's producer is thread-safe; so is this type.
public final class KafkaProducer: @unchecked Sendable {
    private let client: RDKafkaClient
    private let failures = KafkaErrorInbox()

    /// Connects to `bootstrapServers`; `properties` are extra librdkafka properties.
    public init(bootstrapServers: String, properties: [String: String] = [:], logger: Logger? = nil) throws(KafkaError) {
        let failures = self.failures
        var all = ["bootstrap.servers": bootstrapServers, "linger.ms": "5", "log_level": "3"]
        all.merge(properties) { _, new in new }
        let callbacks = RDKafkaCallbacks(
            onDeliveryFailure: { error in failures.report(error) },
            onError: { error in logger?.warning("Kafka producer: \(error)") },
            onLog: { level, facility, message in
                logger?.log(level: level <= 3 ? .error : level == 4 ? .warning : .debug, "librdkafka \(facility): \(message)")
            })
        client = try RDKafkaClient(kind: .producer, properties: all, callbacks: callbacks)
    }

    /// Queues one record (with `headers`, in order); waits (serving delivery reports) while
    /// librdkafka's queue is full.
    public func send(topic: String, key: [UInt8]? = nil, value: [UInt8]?, partition: Int32 = -1,
                     timestamp: Int64 = 0, headers: [KafkaHeader] = []) throws(KafkaError) {
        while try !client.produce(topic: topic, partition: partition, key: key, value: value, timestamp: timestamp,
                                  headers: headers) {
            client.serveCallbacks(timeoutMs: 10)
        }
        client.serveCallbacks(timeoutMs: 0)
    }

    /// Waits until every queued record is delivered; throws if any delivery failed.
    public func flush(timeout: Duration = .seconds(10)) throws(KafkaError) {
        try client.flush(timeoutMs: Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        let failed = failures.take()
        if let first = failed.first {
            throw KafkaError(code: first.code, name: first.name, message: "\(failed.count) record(s) not delivered: \(first.message)")
        }
    }

    /// Creates topics (existing ones are left as they are).
    public func createTopics(_ names: [String], partitions: Int32 = 1, timeout: Duration = .seconds(10)) throws(KafkaError) {
        try client.createTopics(names.map { ($0, partitions) }, timeoutMs: Int32(timeout.components.seconds * 1000))
    }
}
