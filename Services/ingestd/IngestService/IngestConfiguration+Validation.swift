import Bus
import Foundation
import Kafka
import RecordDecoding
import ZeroMQ

extension IngestConfiguration {
    /// The most shards ingestd may be split into (`SHARD_COUNT`).
    public static let maximumShardCount = 1024
    /// The most records `BUS_PACK_RECORDS` may put in one bus message.
    public static let maximumPackRecords = 4096

    /// Checks every setting, including each librdkafka property (with librdkafka itself) and the
    /// topic format rules (schema files are read and parsed). Throws the first problem found.
    public func validate() throws(IngestConfigurationError) {
        if kafkaHosts.trimmingCharacters(in: .whitespaces).isEmpty {
            throw IngestConfigurationError("KAFKA_HOSTS", "must name at least one broker")
        }
        if consumerGroup.isEmpty { throw IngestConfigurationError("CONSUMER_GROUP", "must not be empty") }
        _ = try TopicSelector(pattern: allowedTopicsRegex)
        let rules: TopicFormatRules
        do {
            rules = try TopicFormatRules(topicFormats: topicFormats, kafkaSchema: kafkaSchema)
        } catch {
            throw IngestConfigurationError(topicFormats == nil ? "KAFKA_SCHEMA" : "TOPIC_FORMATS", error.description)
        }
        if let url = schemaRegistryURL {
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw IngestConfigurationError("SCHEMA_REGISTRY_URL", "'\(url)' is not an http(s) URL")
            }
        } else if rules.usesRegistry {
            throw IngestConfigurationError("SCHEMA_REGISTRY_URL", "must be set when a topic has the registry format")
        }
        for (setting, endpoint) in [("BUS_PUBLISH_BIND", busPublishBind), ("BUS_SNAPSHOT_BIND", busSnapshotBind)] {
            guard ["tcp://", "ipc://", "inproc://"].contains(where: endpoint.hasPrefix), endpoint.count > 6 else {
                throw IngestConfigurationError(setting, "'\(endpoint)' is not a ZeroMQ endpoint such as tcp://*:5556")
            }
        }
        if busPublishBind == busSnapshotBind {
            throw IngestConfigurationError("BUS_SNAPSHOT_BIND", "must differ from BUS_PUBLISH_BIND")
        }
        guard (1...100_000).contains(historySize) else {
            throw IngestConfigurationError("HISTORY_SIZE", "\(historySize) is not between 1 and 100000")
        }
        guard (0...65_535).contains(httpPort) else {
            throw IngestConfigurationError("INGEST_HTTP_PORT", "\(httpPort) is not a TCP port")
        }
        guard (100...3_600_000).contains(topicRefreshIntervalMilliseconds) else {
            throw IngestConfigurationError("TOPIC_REFRESH_INTERVAL_MS", "\(topicRefreshIntervalMilliseconds) is not between 100 and 3600000")
        }
        guard (1...Self.maximumShardCount).contains(shardCount) else {
            throw IngestConfigurationError("SHARD_COUNT", "\(shardCount) is not between 1 and \(Self.maximumShardCount)")
        }
        guard (0..<shardCount).contains(shardIndex) else {
            throw IngestConfigurationError("SHARD_INDEX", shardCount == 1
                ? "\(shardIndex) needs SHARD_COUNT above it (SHARD_COUNT is 1: the only shard is 0)"
                : "\(shardIndex) is not between 0 and \(shardCount - 1) (SHARD_COUNT \(shardCount))")
        }
        for (setting, value, range) in [
            ("BUS_MAX_CONCURRENT_REPLAYS", busMaxConcurrentReplays, 1...1024),
            ("BUS_MAX_QUEUED_REPLAYS", busMaxQueuedReplays, 0...100_000),
            ("BUS_PRESENCE_MAX_REPLICAS", busPresenceMaxReplicas, 1...BusPresence.maximumReplicas),
            ("BUS_PRESENCE_MAX_CLIENTS", busPresenceMaxClients, 0...BusPresence.maximumClientsPerReplica),
            ("BUS_MAX_MESSAGE_BYTES", busMaxMessageBytes, 1024...(1 << 30)),
            ("BUS_PACK_RECORDS", busPackRecords, 1...Self.maximumPackRecords),
            ("AVRO_MAX_JSON_BYTES", avroMaxJSONBytes, 1024...(1 << 30)),
            ("RECORD_MAX_HEADERS", recordMaxHeaders, 0...1024),
            ("RECORD_MAX_HEADER_BYTES", recordMaxHeaderBytes, 0...BusRecord.maximumHeaderNameBytes),
            ("DECODE_THREADS", decodeThreads, 1...256),
        ] where !range.contains(value) {
            throw IngestConfigurationError(setting, "\(value) is not between \(range.lowerBound) and \(range.upperBound)")
        }
        if let key = busCurveSecretKey {
            guard ZMQCurve.isAvailable else {
                throw IngestConfigurationError("BUS_CURVE_SECRET_KEY", "this libzmq was built without CURVE")
            }
            guard ZMQCurve.publicKey(secretKey: key) != nil else {
                throw IngestConfigurationError("BUS_CURVE_SECRET_KEY", "is not a 40-character Z85 key")
            }
        }
        if let bad = busCurveClientKeys.first(where: { !ZMQCurve.isKey($0) }) {
            throw IngestConfigurationError("BUS_CURVE_CLIENT_KEYS", "'\(bad)' is not a 40-character Z85 public key")
        }
        if !busCurveClientKeys.isEmpty && busCurveSecretKey == nil {
            throw IngestConfigurationError("BUS_CURVE_CLIENT_KEYS", "needs BUS_CURVE_SECRET_KEY")
        }
        do {
            try consumerConfiguration.validate()
        } catch {
            throw IngestConfigurationError("KAFKA_PROPERTY_*", error.message)
        }
    }
}
