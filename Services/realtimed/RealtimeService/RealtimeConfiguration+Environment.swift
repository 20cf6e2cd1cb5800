import Bus
import Foundation
import Logging
import ServiceSupport

extension RealtimeConfiguration {
    /// Reads the settings present in `environment` over the defaults.
    public init(environment: [String: String]) throws(RealtimeConfigurationError) {
        self.init()
        func value(_ name: String) -> String? {
            guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
            return value
        }
        if let v = value("BUS_CONNECT") { busConnect = Self.list(v) }
        if let v = value("BUS_SNAPSHOT_CONNECT") { busSnapshotConnect = Self.list(v) }
        do {
            busSecurity = try BusSocketSecurity(subscriberEnvironment: environment)
        } catch {
            throw RealtimeConfigurationError(error.setting, error.problem)
        }
        if let v = value("HOST") { host = v }
        if let v = value("PORT") { port = try Self.integer(v, "PORT") }
        if let v = value("HISTORY_SIZE") { historySize = try Self.integer(v, "HISTORY_SIZE") }
        if let v = value("API_FAMILIES") { apiFamilies = try Self.families(v, "API_FAMILIES") }
        if let v = value("PRICEWARS_HTTP_CODE_FILTER") { filterHTTPCode = try Self.boolean(v, "PRICEWARS_HTTP_CODE_FILTER") }
        if let v = value("LOGGING_LEVEL") { loggingLevel = try SettingParser.loggingLevel(v, "LOGGING_LEVEL") }
        if let v = value("CLIENT_QUEUE_MESSAGES") { clientQueueMessages = try Self.integer(v, "CLIENT_QUEUE_MESSAGES") }
        if let v = value("CLIENT_QUEUE_BYTES") { clientQueueBytes = try Self.integer(v, "CLIENT_QUEUE_BYTES") }
        if let v = value("RECOVERY_SECONDS") { recoverySeconds = try Self.integer(v, "RECOVERY_SECONDS") }
        if let v = value("CORS_ORIGINS") { corsOrigins = Self.list(v) }
        if let v = value("POLLING_RESPONSE_MAX_BYTES") {
            pollingResponseMaxBytes = try Self.integer(v, "POLLING_RESPONSE_MAX_BYTES")
        }
        if let v = value("POLLING_RESPONSE_MAX_PACKETS") {
            pollingResponseMaxPackets = try Self.integer(v, "POLLING_RESPONSE_MAX_PACKETS")
        }
        if let v = value("DASHBOARD_DIR") { dashboardDirectory = v }
        if let v = value("SOCKET_IO_CLIENT_JS") ?? value("SOCKET_IO_JS") { socketIOClientJS = v }
        if let v = value("REPLICA_ID") { replicaID = v }
        if let v = value("PRICEWARS_LIVE_OBJECTS") { priceWarsLiveObjects = try Self.boolean(v, "PRICEWARS_LIVE_OBJECTS") }
        if let v = value("PRICEWARS_TOPICS") { priceWarsTopics = Self.topicList(v) }
        if let v = value("PRICEWARS_TOPICS_REGEX") { priceWarsTopicsRegex = v }
        if let v = value("SOLAR_TOPICS_REGEX") { solarTopicsRegex = v }
        if let v = value("PING_INTERVAL_MS") { pingIntervalMilliseconds = try Self.integer(v, "PING_INTERVAL_MS") }
        if let v = value("PING_TIMEOUT_MS") { pingTimeoutMilliseconds = try Self.integer(v, "PING_TIMEOUT_MS") }
        if let v = value("SUBSCRIBE_MAX_PATTERNS") { subscribeMaxPatterns = try Self.integer(v, "SUBSCRIBE_MAX_PATTERNS") }
        if let v = value("SUBSCRIBE_MAX_PATTERN_LENGTH") {
            subscribeMaxPatternLength = try Self.integer(v, "SUBSCRIBE_MAX_PATTERN_LENGTH")
        }
        if let v = value("MAX_CONNECTIONS") { maxConnections = try Self.integer(v, "MAX_CONNECTIONS") }
        if let v = value("MAX_CONNECTIONS_PER_ADDRESS") {
            maxConnectionsPerAddress = try Self.integer(v, "MAX_CONNECTIONS_PER_ADDRESS")
        }
        if let v = value("MAX_SESSIONS") { maxSessions = try Self.integer(v, "MAX_SESSIONS") }
        if let v = value("MAX_SESSIONS_PER_ADDRESS") { maxSessionsPerAddress = try Self.integer(v, "MAX_SESSIONS_PER_ADDRESS") }
        if let v = value("HTTP_HEAD_TIMEOUT_MS") { httpHeadTimeoutMilliseconds = try Self.integer(v, "HTTP_HEAD_TIMEOUT_MS") }
        if let v = value("HTTP_BODY_TIMEOUT_MS") { httpBodyTimeoutMilliseconds = try Self.integer(v, "HTTP_BODY_TIMEOUT_MS") }
        if let v = value("PRESENCE_INTERVAL_MS") { presenceIntervalMilliseconds = try Self.integer(v, "PRESENCE_INTERVAL_MS") }
    }

    /// `a, b,,c` -> `["a", "b", "c"]`.
    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A topic list where `none` means no topic.
    static func topicList(_ text: String) -> [String] {
        text.trimmingCharacters(in: .whitespaces).lowercased() == "none" ? [] : list(text)
    }

    static func integer(_ text: String, _ setting: String) throws(RealtimeConfigurationError) -> Int {
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw RealtimeConfigurationError(setting, "'\(text)' is not a whole number")
        }
        return number
    }

    static func boolean(_ text: String, _ setting: String) throws(RealtimeConfigurationError) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw RealtimeConfigurationError(setting, "'\(text)' is not one of true, false")
        }
    }

    static func families(_ text: String, _ setting: String) throws(RealtimeConfigurationError) -> Set<APIFamily> {
        var families = Set<APIFamily>()
        for name in list(text) {
            guard let family = APIFamily(rawValue: name.lowercased()) else {
                throw RealtimeConfigurationError(setting, "'\(name)' is not one of solar, pricewars")
            }
            families.insert(family)
        }
        return families
    }

}
