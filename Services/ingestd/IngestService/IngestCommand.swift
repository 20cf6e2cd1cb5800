import ArgumentParser
import Foundation
import Logging
import ServiceSupport

/// `ingestd`: command-line flags over environment variables over defaults.
public struct IngestCommand: ServiceCommand {
    public static let processName = "ingestd"

    public static let configuration = CommandConfiguration(
        commandName: "ingestd",
        abstract: "Consumes Kafka topics, decodes their records and publishes them on a ZeroMQ bus.",
        discussion: """
        Every flag can also be given as the environment variable named in its help; a flag wins over \
        its variable. Any librdkafka property can be set with KAFKA_PROPERTY_<NAME> (name upper-cased, \
        '.' as '_', '_' as '__'), e.g. KAFKA_PROPERTY_SESSION_TIMEOUT_MS=6000, or with \
        --kafka-property session.timeout.ms=6000. Bad configuration exits with status 2.
        """)

    @Option(help: "Kafka bootstrap servers (KAFKA_HOSTS, default kafka:9092).")
    var kafkaHosts: String?
    @Option(help: "Consumer group (CONSUMER_GROUP, default web-redirect).")
    var consumerGroup: String?
    @Option(help: "Topics to consume, a regex matched anywhere in the name like Python re.search; anchor with ^ and $ (ALLOWED_TOPICS_REGEX or ALLOWED_TOPIC_REGEX, default .*). Topics starting with _ are never consumed.")
    var allowedTopicsRegex: String?
    @Option(help: "Avro schema file for every topic when --topic-formats is not given (KAFKA_SCHEMA; unset: JSON).")
    var kafkaSchema: String?
    @Option(help: "Confluent Schema Registry URL for 'registry' topics (SCHEMA_REGISTRY_URL).")
    var schemaRegistryURL: String?
    @Option(help: "Per-topic formats: regex=format rules separated by ';', first match wins; format is avro:<schema file>, registry, json or string (TOPIC_FORMATS).")
    var topicFormats: String?
    @Option(help: "ZeroMQ PUB endpoint for live records (BUS_PUBLISH_BIND, default tcp://*:5556).")
    var busPublishBind: String?
    @Option(help: "ZeroMQ ROUTER endpoint for snapshots and replays (BUS_SNAPSHOT_BIND, default tcp://*:5557).")
    var busSnapshotBind: String?
    @Option(help: "Records kept per topic for snapshots (HISTORY_SIZE, default 100).")
    var historySize: Int?
    @Option(help: "Address of /health and /metrics (INGEST_HTTP_HOST, default 0.0.0.0).")
    var httpHost: String?
    @Option(help: "Port of /health and /metrics (INGEST_HTTP_PORT, default 5001).")
    var httpPort: Int?
    @Option(help: "CRITICAL, ERROR, WARNING, INFO or DEBUG (LOGGING_LEVEL, default INFO).")
    var loggingLevel: String?
    @Option(help: "Where a partition seen for the first time starts: end (after loading its last HISTORY_SIZE records) or beginning (publishing everything it holds) (START_FROM, default end).")
    var startFrom: String?
    @Option(help: "How often new topics are looked for, in ms (TOPIC_REFRESH_INTERVAL_MS, default 2000).")
    var topicRefreshIntervalMs: Int?
    @Option(help: "REPLAY requests read from Kafka at once (BUS_MAX_CONCURRENT_REPLAYS, default 8).")
    var busMaxConcurrentReplays: Int?
    @Option(help: "REPLAY requests waiting for a turn; more are refused with ERROR (BUS_MAX_QUEUED_REPLAYS, default 64).")
    var busMaxQueuedReplays: Int?
    @Option(help: "Replicas in the presence table; PRESENCE from one more is refused (BUS_PRESENCE_MAX_REPLICAS, default 256).")
    var busPresenceMaxReplicas: Int?
    @Option(help: "The most clients one replica may report in PRESENCE (BUS_PRESENCE_MAX_CLIENTS, default 1000000).")
    var busPresenceMaxClients: Int?
    @Option(help: "Largest message the bus sockets accept; a peer sending more is disconnected (BUS_MAX_MESSAGE_BYTES, default 1048576).")
    var busMaxMessageBytes: Int?
    @Option(help: "The most JSON text one Avro datum may become; larger is a decode error (AVRO_MAX_JSON_BYTES, default 16777216).")
    var avroMaxJsonBytes: Int?
    @Option(help: "The bus's CURVE server secret key, Z85; set, both bus sockets require CURVE (BUS_CURVE_SECRET_KEY, default unset).")
    var busCurveSecretKey: String?
    @Option(help: "Comma-separated Z85 public keys of the bus clients admitted; unset, any client knowing the server key (BUS_CURVE_CLIENT_KEYS).")
    var busCurveClientKeys: String?
    @Option(name: .customLong("kafka-property"), help: "A librdkafka property as name=value; repeatable (KAFKA_PROPERTY_<NAME>).")
    var kafkaProperty: [String] = []

    public init() {}

    /// The configuration these flags give over `environment`, validated.
    public func resolve(environment: [String: String]) throws(IngestConfigurationError) -> IngestConfiguration {
        var config = try IngestConfiguration(environment: environment)
        if let kafkaHosts { config.kafkaHosts = kafkaHosts }
        if let consumerGroup { config.consumerGroup = consumerGroup }
        if let allowedTopicsRegex { config.allowedTopicsRegex = allowedTopicsRegex }
        if let kafkaSchema { config.kafkaSchema = kafkaSchema }
        if let schemaRegistryURL { config.schemaRegistryURL = schemaRegistryURL }
        if let topicFormats { config.topicFormats = topicFormats }
        if let busPublishBind { config.busPublishBind = busPublishBind }
        if let busSnapshotBind { config.busSnapshotBind = busSnapshotBind }
        if let historySize { config.historySize = historySize }
        if let httpHost { config.httpHost = httpHost }
        if let httpPort { config.httpPort = httpPort }
        if let loggingLevel { config.loggingLevel = try SettingParser.loggingLevel(loggingLevel, "--logging-level") }
        if let startFrom { config.startFrom = try IngestConfiguration.startPosition(startFrom, "--start-from") }
        if let topicRefreshIntervalMs { config.topicRefreshIntervalMilliseconds = topicRefreshIntervalMs }
        if let busMaxConcurrentReplays { config.busMaxConcurrentReplays = busMaxConcurrentReplays }
        if let busMaxQueuedReplays { config.busMaxQueuedReplays = busMaxQueuedReplays }
        if let busPresenceMaxReplicas { config.busPresenceMaxReplicas = busPresenceMaxReplicas }
        if let busPresenceMaxClients { config.busPresenceMaxClients = busPresenceMaxClients }
        if let busMaxMessageBytes { config.busMaxMessageBytes = busMaxMessageBytes }
        if let avroMaxJsonBytes { config.avroMaxJSONBytes = avroMaxJsonBytes }
        if let busCurveSecretKey { config.busCurveSecretKey = busCurveSecretKey }
        if let busCurveClientKeys { config.busCurveClientKeys = IngestConfiguration.list(busCurveClientKeys) }
        for property in kafkaProperty {
            guard let equals = property.firstIndex(of: "="), equals != property.startIndex else {
                throw IngestConfigurationError("--kafka-property", "'\(property)' is not name=value")
            }
            config.kafkaProperties[String(property[..<equals])] = String(property[property.index(after: equals)...])
        }
        try config.validate()
        return config
    }
}
