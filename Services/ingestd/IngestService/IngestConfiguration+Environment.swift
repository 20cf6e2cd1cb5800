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
