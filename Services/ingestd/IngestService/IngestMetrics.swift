import Metrics

/// ingestd's metrics (swift-metrics; exported in Prometheus format on `/metrics`).
///
/// Per-topic handles are created once and kept, so the hot path only increments.
/// Not thread-safe: the consumer thread owns it.
final class IngestMetrics {
    private var consumed: [String: Counter] = [:]
    private var published: [String: Counter] = [:]
    private var failed: [String: Counter] = [:]
    private var lag: [String: Gauge] = [:]
    let subscribers = Gauge(label: "ingest_bus_subscribers")
    /// 1 while records go out in packs (`BUS_PACK_RECORDS` above 1 and every subscriber reads them).
    let packsActive = Gauge(label: "ingest_bus_packs_active")
    /// Messages from bus subscribers that were not subscriptions, or subscriptions past the
    /// prefixes a publisher tracks.
    private let malformedSubscriptions = Counter(label: "ingest_bus_subscription_messages_malformed_total")
    private var malformedSubscriptionsCounted = 0
    let publishErrors = Counter(label: "ingest_bus_publish_errors_total")
    /// Partitions whose position Kafka no longer held, by kind (`deleted`, `rewound`).
    let positionsDeleted = Counter(label: "ingest_position_gaps_total", dimensions: [("kind", "deleted")])
    let positionsRewound = Counter(label: "ingest_position_gaps_total", dimensions: [("kind", "rewound")])
    /// Offsets deleted from Kafka before ingestd consumed them.
    let deletedOffsets = Counter(label: "ingest_deleted_offsets_total")
    /// Kafka headers left out of published records by `RECORD_MAX_HEADERS` / `RECORD_MAX_HEADER_BYTES`.
    let headersDropped = Counter(label: "ingest_record_headers_dropped_total")

    func recordConsumed(_ topic: String, count: Int) {
        counter(&consumed, "ingest_records_consumed_total", topic).increment(by: count)
    }

    func recordPublished(_ topic: String, count: Int) {
        counter(&published, "ingest_records_published_total", topic).increment(by: count)
    }

    func recordFailed(_ topic: String, count: Int) {
        counter(&failed, "ingest_records_failed_total", topic).increment(by: count)
    }

    /// Counts what the publisher's running total of malformed subscription messages grew by.
    func recordMalformedSubscriptions(total: Int) {
        guard total > malformedSubscriptionsCounted else { return }
        malformedSubscriptions.increment(by: total - malformedSubscriptionsCounted)
        malformedSubscriptionsCounted = total
    }

    func setLag(topic: String, partition: Int32, _ value: Int64) {
        let key = "\(topic)\u{0}\(partition)"
        if lag[key] == nil {
            lag[key] = Gauge(label: "ingest_consumer_lag", dimensions: [("topic", topic), ("partition", String(partition))])
        }
        lag[key]!.record(value)
    }

    private func counter(_ table: inout [String: Counter], _ label: String, _ topic: String) -> Counter {
        if let counter = table[topic] { return counter }
        let counter = Counter(label: label, dimensions: [("topic", topic)])
        table[topic] = counter
        return counter
    }
}
