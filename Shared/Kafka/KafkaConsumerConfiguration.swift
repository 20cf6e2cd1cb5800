/// How a consumer connects and behaves. Any librdkafka property can be set in `properties`;
/// they override the defaults chosen here.
public struct KafkaConsumerConfiguration: Sendable {
    /// `bootstrap.servers`.
    public var bootstrapServers: String
    /// `group.id`.
    public var groupID: String
    /// Extra librdkafka properties (name -> value).
    public var properties: [String: String]
    /// Bounds on the headers copied out of each record (consumer and reader alike).
    public var headerLimits: KafkaHeaderLimits
    /// When set, a consumed record's offset is committed only after the application stores it
    /// (``KafkaConsumer/storeOffsets(_:)``), never merely because a poll returned the record
    /// (`enable.auto.offset.store=false`, whatever `properties` say).
    public var storesOffsetsExplicitly = false

    public init(bootstrapServers: String, groupID: String, properties: [String: String] = [:],
                headerLimits: KafkaHeaderLimits = KafkaHeaderLimits()) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.properties = properties
        self.headerLimits = headerLimits
    }

    /// The properties handed to librdkafka for the group consumer.
    var groupConsumerProperties: [String: String] {
        var all: [String: String] = [
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "enable.partition.eof": "false",
            "enable.auto.commit": "true",
            // A position Kafka no longer holds (retention, a recreated topic) is reported to the
            // application (KafkaConsumerEvent.offsetOutOfRange), never skipped to the end.
            "auto.offset.reset": "error",
            "allow.auto.create.topics": "false",
            // A small prefetch queue (librdkafka's default 64 MB would dominate the process's
            // memory), refilled as soon as it drains: librdkafka 2.x otherwise waits
            // fetch.queue.backoff.ms (1 s) after the queue was full, which throttles a fast
            // consumer to a fraction of its speed.
            "queued.max.messages.kbytes": "4096",
            "queued.min.messages": "20000",
            // Latency first: a fetch with no new data returns after 20 ms, not librdkafka's
            // 500 ms (brokers that hold an empty fetch for the whole wait, like Tansu, otherwise
            // delay every record of a quiet partition by up to that long).
            "fetch.wait.max.ms": "20",
            "log_level": "4",
        ]
        if KafkaRuntime.hasFetchQueueBackoff { all["fetch.queue.backoff.ms"] = "5" }
        all.merge(properties) { _, new in new }
        if storesOffsetsExplicitly { all["enable.auto.offset.store"] = "false" }
        return all
    }

    /// The properties for a reader without a group (history and replay reads).
    var readerProperties: [String: String] {
        var all = properties
        all.removeValue(forKey: "group.instance.id")
        all.merge([
            "bootstrap.servers": bootstrapServers,
            "group.id": "\(groupID)-reader",
            "enable.partition.eof": "true",
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "queued.max.messages.kbytes": "4096",
            "log_level": properties["log_level"] ?? "4",
        ]) { _, new in new }
        if KafkaRuntime.hasFetchQueueBackoff { all["fetch.queue.backoff.ms"] = "5" }
        return all
    }

    /// Checks every property with librdkafka without connecting; throws on the first bad one.
    public func validate() throws(KafkaError) {
        try RDKafkaConfig.validate(groupConsumerProperties)
    }
}
