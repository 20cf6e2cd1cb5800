import ArgumentParser
import Foundation
import ServiceSupport

/// `realtimed`: command-line flags over environment variables over defaults.
public struct RealtimeCommand: ServiceCommand {
    public static let processName = "realtimed"

    public static let configuration = CommandConfiguration(
        commandName: "realtimed",
        abstract: "Serves the ingest bus's live records to Socket.IO clients (solar gateway and Price Wars APIs).",
        discussion: """
        Every flag can also be given as the environment variable named in its help; a flag wins over \
        its variable. Bad configuration exits with status 2.
        """)

    @Option(help: "ingestd live endpoints, comma-separated (BUS_CONNECT, default tcp://localhost:5556).")
    var busConnect: String?
    @Option(help: "ingestd snapshot endpoints, comma-separated, paired with --bus-connect by position (BUS_SNAPSHOT_CONNECT, default tcp://localhost:5557).")
    var busSnapshotConnect: String?
    @Option(help: "Address of the Socket.IO and HTTP server (HOST, default 0.0.0.0).")
    var host: String?
    @Option(help: "Port of the Socket.IO and HTTP server (PORT, default 5002).")
    var port: Int?
    @Option(help: "Price Wars history sent per topic on connect (HISTORY_SIZE, default 100).")
    var historySize: Int?
    @Option(help: "Event families served, comma-separated: solar, pricewars (API_FAMILIES, default both).")
    var apiFamilies: String?
    @Option(help: "Whether Price Wars events leave out values whose http_code is not 200: true or false (PRICEWARS_HTTP_CODE_FILTER, default true).")
    var pricewarsHttpCodeFilter: String?
    @Option(help: "CRITICAL, ERROR, WARNING, INFO or DEBUG (LOGGING_LEVEL, default INFO).")
    var loggingLevel: String?
    @Option(help: "Messages queued for one client before it is dropped as a slow consumer (CLIENT_QUEUE_MESSAGES, default 10000).")
    var clientQueueMessages: Int?
    @Option(help: "Bytes queued for one client before it is dropped as a slow consumer (CLIENT_QUEUE_BYTES, default 16777216).")
    var clientQueueBytes: Int?
    @Option(help: "Seconds a dropped client can recover its session; 0 turns recovery off and events carry no offset (RECOVERY_SECONDS, default 0).")
    var recoverySeconds: Int?
    @Option(help: "Allowed CORS origins, comma-separated, * for any (CORS_ORIGINS, default *).")
    var corsOrigins: String?
    @Option(help: "Largest polling response body in bytes; the rest goes out with the next poll (POLLING_RESPONSE_MAX_BYTES, default 65536).")
    var pollingResponseMaxBytes: Int?
    @Option(help: "Most packets in one polling response; the rest goes out with the next poll (POLLING_RESPONSE_MAX_PACKETS, default 16).")
    var pollingResponseMaxPackets: Int?
    @Option(help: "Directory of the dashboard served at / (DASHBOARD_DIR, default Services/realtimed/Dashboard if it exists).")
    var dashboardDir: String?
    @Option(help: "Socket.IO browser client served at /socket.io.min.js (SOCKET_IO_CLIENT_JS, else SOCKET_IO_JS).")
    var socketIOClientJS: String?
    @Option(help: "This replica's id on the bus (REPLICA_ID, default random).")
    var replicaID: String?
    @Option(help: "How often the client count is reported to ingestd, in ms (PRESENCE_INTERVAL_MS, default 1000).")
    var presenceIntervalMs: Int?

    @Option(help: "Live Price Wars events as JSON objects instead of the original's JSON strings: true or false (PRICEWARS_LIVE_OBJECTS, default false).")
    var pricewarsLiveObjects: String?
    @Option(help: "Topics whose Price Wars history is sent on connect even before any record, comma-separated, or none (PRICEWARS_TOPICS, default the original's twelve).")
    var pricewarsTopics: String?
    @Option(help: "Regular expression (found anywhere in the name) of the topics served as Price Wars events (PRICEWARS_TOPICS_REGEX, default all).")
    var pricewarsTopicsRegex: String?
    @Option(help: "Regular expression (found anywhere in the name) of the topics served as solar sensor_values (SOLAR_TOPICS_REGEX, default all).")
    var solarTopicsRegex: String?
    @Option(help: "Engine.IO ping interval in ms (PING_INTERVAL_MS, default 25000).")
    var pingIntervalMs: Int?
    @Option(help: "Engine.IO ping timeout in ms (PING_TIMEOUT_MS, default 20000).")
    var pingTimeoutMs: Int?
    @Option(help: "Most topic names or patterns one client may follow (SUBSCRIBE_MAX_PATTERNS, default 1000).")
    var subscribeMaxPatterns: Int?
    @Option(help: "Longest topic name or pattern a client may subscribe to, in bytes (SUBSCRIBE_MAX_PATTERN_LENGTH, default 256).")
    var subscribeMaxPatternLength: Int?

    public init() {}

    /// The default dashboard directory, relative to the current directory.
    public static let defaultDashboardDirectory = "Services/realtimed/Dashboard"

    /// The configuration these flags give over `environment`, validated.
    public func resolve(environment: [String: String]) throws(RealtimeConfigurationError) -> RealtimeConfiguration {
        var config = try RealtimeConfiguration(environment: environment)
        if let busConnect { config.busConnect = RealtimeConfiguration.list(busConnect) }
        if let busSnapshotConnect { config.busSnapshotConnect = RealtimeConfiguration.list(busSnapshotConnect) }
        if let host { config.host = host }
        if let port { config.port = port }
        if let historySize { config.historySize = historySize }
        if let apiFamilies { config.apiFamilies = try RealtimeConfiguration.families(apiFamilies, "--api-families") }
        if let pricewarsHttpCodeFilter {
            config.filterHTTPCode = try RealtimeConfiguration.boolean(pricewarsHttpCodeFilter, "--pricewars-http-code-filter")
        }
        if let loggingLevel { config.loggingLevel = try SettingParser.loggingLevel(loggingLevel, "--logging-level") }
        if let clientQueueMessages { config.clientQueueMessages = clientQueueMessages }
        if let clientQueueBytes { config.clientQueueBytes = clientQueueBytes }
        if let recoverySeconds { config.recoverySeconds = recoverySeconds }
        if let corsOrigins { config.corsOrigins = RealtimeConfiguration.list(corsOrigins) }
        if let pollingResponseMaxBytes { config.pollingResponseMaxBytes = pollingResponseMaxBytes }
        if let pollingResponseMaxPackets { config.pollingResponseMaxPackets = pollingResponseMaxPackets }
        if let dashboardDir { config.dashboardDirectory = dashboardDir }
        if let socketIOClientJS { config.socketIOClientJS = socketIOClientJS }
        if let replicaID { config.replicaID = replicaID }
        if let presenceIntervalMs { config.presenceIntervalMilliseconds = presenceIntervalMs }
        if let pricewarsLiveObjects {
            config.priceWarsLiveObjects = try RealtimeConfiguration.boolean(pricewarsLiveObjects, "--pricewars-live-objects")
        }
        if let pricewarsTopics { config.priceWarsTopics = RealtimeConfiguration.topicList(pricewarsTopics) }
        if let pricewarsTopicsRegex { config.priceWarsTopicsRegex = pricewarsTopicsRegex }
        if let solarTopicsRegex { config.solarTopicsRegex = solarTopicsRegex }
        if let pingIntervalMs { config.pingIntervalMilliseconds = pingIntervalMs }
        if let pingTimeoutMs { config.pingTimeoutMilliseconds = pingTimeoutMs }
        if let subscribeMaxPatterns { config.subscribeMaxPatterns = subscribeMaxPatterns }
        if let subscribeMaxPatternLength { config.subscribeMaxPatternLength = subscribeMaxPatternLength }
        if config.dashboardDirectory == nil {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: Self.defaultDashboardDirectory, isDirectory: &isDirectory),
               isDirectory.boolValue {
                config.dashboardDirectory = Self.defaultDashboardDirectory
            }
        }
        try config.validate()
        return config
    }
}
