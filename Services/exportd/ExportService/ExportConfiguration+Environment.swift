import Bus
import Logging
import ServiceSupport

extension ExportConfiguration {
    /// Reads the settings present in `environment` over the defaults.
    public init(environment: [String: String]) throws(ExportConfigurationError) {
        self.init()
        func value(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        if let v = value("BUS_CONNECT") { busConnect = v }
        if let v = value("BUS_SNAPSHOT_CONNECT") { busSnapshotConnect = v }
        if let v = value("MERCHANT_TOPICS") { merchantTopics = Self.topicList(v) }
        if let v = value("DATA_DIR") { dataDirectory = v }
        if let v = value("EXPORT_MAX_ROWS") { maxRows = try Self.integer(v, "EXPORT_MAX_ROWS") }
        if let v = value("EXPORT_FILE_TTL") { fileTTLSeconds = try Self.duration(v, "EXPORT_FILE_TTL") }
        if let v = value("PORT") { port = try Self.integer(v, "PORT") }
        if let v = value("HOST") { host = v }
        if let v = value("CORS_ORIGINS") { corsOrigins = Self.topicList(v) }
        do {
            busSecurity = try BusSocketSecurity(subscriberEnvironment: environment)
        } catch {
            throw ExportConfigurationError(error.setting, error.problem)
        }
        if let v = value("EXPORT_MAX_FILES_PER_MERCHANT") {
            limits.maxFilesPerMerchant = try Self.integer(v, "EXPORT_MAX_FILES_PER_MERCHANT")
        }
        if let v = value("EXPORT_MAX_BYTES_PER_MERCHANT") {
            limits.maxBytesPerMerchant = try Self.integer(v, "EXPORT_MAX_BYTES_PER_MERCHANT")
        }
        if let v = value("EXPORT_MAX_FILES") { limits.maxFiles = try Self.integer(v, "EXPORT_MAX_FILES") }
        if let v = value("EXPORT_MAX_BYTES") { limits.maxBytes = try Self.integer(v, "EXPORT_MAX_BYTES") }
        if let v = value("EXPORT_MAX_STREAMS_PER_MERCHANT") {
            limits.maxStreamsPerMerchant = try Self.integer(v, "EXPORT_MAX_STREAMS_PER_MERCHANT")
        }
        if let v = value("EXPORT_MAX_STREAMS") { limits.maxStreams = try Self.integer(v, "EXPORT_MAX_STREAMS") }
        if let v = value("MAX_CONNECTIONS") { maxConnections = try Self.integer(v, "MAX_CONNECTIONS") }
        if let v = value("MAX_CONNECTIONS_PER_ADDRESS") {
            maxConnectionsPerAddress = try Self.integer(v, "MAX_CONNECTIONS_PER_ADDRESS")
        }
        if let v = value("HTTP_HEAD_TIMEOUT_MS") { httpHeadTimeoutMilliseconds = try Self.integer(v, "HTTP_HEAD_TIMEOUT_MS") }
        if let v = value("HTTP_BODY_TIMEOUT_MS") { httpBodyTimeoutMilliseconds = try Self.integer(v, "HTTP_BODY_TIMEOUT_MS") }
        if let v = value("LOGGING_LEVEL") { loggingLevel = try SettingParser.loggingLevel(v, "LOGGING_LEVEL") }
    }

    /// `a, b,,c` -> `["a", "b", "c"]`.
    static func topicList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    static func integer(_ text: String, _ setting: String) throws(ExportConfigurationError) -> Int {
        guard let number = Int(text.trimmingWhitespace()) else {
            throw ExportConfigurationError(setting, "'\(text)' is not a whole number")
        }
        return number
    }

    /// Seconds, or a number with a unit: `90`, `90s`, `15m`, `1h`, `2d`.
    static func duration(_ text: String, _ setting: String) throws(ExportConfigurationError) -> Int {
        let trimmed = text.trimmingWhitespace().lowercased()
        let units: [(String, Int)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            if let number = Int(trimmed.dropLast()), number <= Int.max / factor { return number * factor }
        }
        if let number = Int(trimmed) { return number }
        throw ExportConfigurationError(setting, "'\(text)' is not a duration such as 3600, 90s, 15m or 1h")
    }

}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
