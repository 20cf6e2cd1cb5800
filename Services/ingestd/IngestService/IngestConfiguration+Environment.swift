import Foundation
import Logging
import ServiceSupport

extension IngestConfiguration {
    /// The prefix of environment variables that set librdkafka properties:
    /// `KAFKA_PROPERTY_SESSION_TIMEOUT_MS=6000` sets `session.timeout.ms`. After the prefix, the
    /// name is lowercased, `__` becomes `_` and `_` becomes `.`.
    public static let kafkaPropertyPrefix = "KAFKA_PROPERTY_"

    /// Reads the settings present in `environment` over the defaults.
    public init(environment: [String: String]) throws(IngestConfigurationError) {
        self.init()
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        if let v = value("KAFKA_HOSTS") { kafkaHosts = v }
        if let v = value("CONSUMER_GROUP") { consumerGroup = v }
        if let v = value("ALLOWED_TOPICS_REGEX") ?? value("ALLOWED_TOPIC_REGEX") { allowedTopicsRegex = v }
        kafkaSchema = value("KAFKA_SCHEMA")
        schemaRegistryURL = value("SCHEMA_REGISTRY_URL")
        topicFormats = value("TOPIC_FORMATS")
        if let v = value("BUS_PUBLISH_BIND") { busPublishBind = v }
        if let v = value("BUS_SNAPSHOT_BIND") { busSnapshotBind = v }
        if let v = value("HISTORY_SIZE") { historySize = try Self.integer(v, "HISTORY_SIZE") }
        if let v = value("INGEST_HTTP_HOST") { httpHost = v }
        if let v = value("INGEST_HTTP_PORT") { httpPort = try Self.integer(v, "INGEST_HTTP_PORT") }
        if let v = value("LOGGING_LEVEL") { loggingLevel = try SettingParser.loggingLevel(v, "LOGGING_LEVEL") }
        if let v = value("START_FROM") { startFrom = try Self.startPosition(v, "START_FROM") }
        if let v = value("TOPIC_REFRESH_INTERVAL_MS") {
            topicRefreshIntervalMilliseconds = try Self.integer(v, "TOPIC_REFRESH_INTERVAL_MS")
        }
        if let v = value("BUS_MAX_CONCURRENT_REPLAYS") { busMaxConcurrentReplays = try Self.integer(v, "BUS_MAX_CONCURRENT_REPLAYS") }
        if let v = value("BUS_MAX_QUEUED_REPLAYS") { busMaxQueuedReplays = try Self.integer(v, "BUS_MAX_QUEUED_REPLAYS") }
        if let v = value("BUS_PRESENCE_MAX_REPLICAS") { busPresenceMaxReplicas = try Self.integer(v, "BUS_PRESENCE_MAX_REPLICAS") }
        if let v = value("BUS_PRESENCE_MAX_CLIENTS") { busPresenceMaxClients = try Self.integer(v, "BUS_PRESENCE_MAX_CLIENTS") }
        if let v = value("BUS_MAX_MESSAGE_BYTES") { busMaxMessageBytes = try Self.integer(v, "BUS_MAX_MESSAGE_BYTES") }
        if let v = value("AVRO_MAX_JSON_BYTES") { avroMaxJSONBytes = try Self.integer(v, "AVRO_MAX_JSON_BYTES") }
        busCurveSecretKey = value("BUS_CURVE_SECRET_KEY")
        if let v = value("BUS_CURVE_CLIENT_KEYS") { busCurveClientKeys = Self.list(v) }
        for (name, value) in environment where name.hasPrefix(Self.kafkaPropertyPrefix) {
            kafkaProperties[Self.kafkaPropertyName(fromEnvironment: name)] = value
        }
    }

    /// `KAFKA_PROPERTY_SASL_OAUTHBEARER_CONFIG` -> `sasl.oauthbearer.config`; `__` -> `_`.
    public static func kafkaPropertyName(fromEnvironment name: String) -> String {
        let body = name.dropFirst(kafkaPropertyPrefix.count).lowercased()
        return body.replacingOccurrences(of: "__", with: "\u{0}")
            .replacingOccurrences(of: "_", with: ".")
            .replacingOccurrences(of: "\u{0}", with: "_")
    }

    /// Comma-separated items, trimmed, empty ones dropped.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func integer(_ text: String, _ setting: String) throws(IngestConfigurationError) -> Int {
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw IngestConfigurationError(setting, "'\(text)' is not a whole number")
        }
        return number
    }

    static func startPosition(_ text: String, _ setting: String) throws(IngestConfigurationError) -> StartPosition {
        guard let position = StartPosition(rawValue: text.lowercased()) else {
            throw IngestConfigurationError(setting, "'\(text)' is not one of end, beginning")
        }
        return position
    }

}
