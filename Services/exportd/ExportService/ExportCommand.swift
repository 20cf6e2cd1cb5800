import ArgumentParser
import Foundation
import Logging
import ServiceSupport

/// `exportd`: command-line flags over environment variables over defaults.
public struct ExportCommand: ServiceCommand {
    public static let processName = "exportd"

    public static let configuration = CommandConfiguration(
        commandName: "exportd",
        abstract: "Keeps each merchant's view of the merchant topics from the ingest bus and serves it as CSV over HTTP.",
        discussion: """
        Every flag can also be given as the environment variable named in its help; a flag wins over \
        its variable. Bad configuration exits with status 2.
        """)

    @Option(help: "ingestd's live bus endpoint (BUS_CONNECT, default tcp://127.0.0.1:5556).")
    var busConnect: String?
    @Option(help: "ingestd's snapshot and replay endpoint (BUS_SNAPSHOT_CONNECT, default tcp://127.0.0.1:5557).")
    var busSnapshotConnect: String?
    @Option(help: "Topics merchants may export, comma-separated (MERCHANT_TOPICS, default the Price Wars proxy's twelve: addOffer,buyOffer,profit,updateOffer,updates,salesPerMinutes,cumulativeAmountBasedMarketshare,cumulativeRevenueBasedMarketshare,marketSituation,revenuePerMinute,revenuePerHour,profitPerMinute).")
    var merchantTopics: String?
    @Option(help: "Directory for stored rows and export files (DATA_DIR, default ./data).")
    var dataDir: String?
    @Option(help: "Newest rows kept per topic for each merchant (EXPORT_MAX_ROWS, default 100000).")
    var exportMaxRows: Int?
    @Option(help: "How long export files stay downloadable: seconds or 90s/15m/1h/2d (EXPORT_FILE_TTL, default 1h).")
    var exportFileTTL: String?
    @Option(help: "HTTP port (PORT, default 8001).")
    var port: Int?
    @Option(help: "HTTP address (HOST, default 0.0.0.0).")
    var host: String?
    @Option(help: "Origins browsers may call exportd from, comma-separated; * echoes any origin with credentials (CORS_ORIGINS, default *).")
    var corsOrigins: String?
    @Option(help: "CRITICAL, ERROR, WARNING, INFO or DEBUG (LOGGING_LEVEL, default INFO).")
    var loggingLevel: String?

    public init() {}

    /// The configuration these flags give over `environment`, validated.
    public func resolve(environment: [String: String]) throws(ExportConfigurationError) -> ExportConfiguration {
        var config = try ExportConfiguration(environment: environment)
        if let busConnect { config.busConnect = busConnect }
        if let busSnapshotConnect { config.busSnapshotConnect = busSnapshotConnect }
        if let merchantTopics { config.merchantTopics = ExportConfiguration.topicList(merchantTopics) }
        if let dataDir { config.dataDirectory = dataDir }
        if let exportMaxRows { config.maxRows = exportMaxRows }
        if let exportFileTTL { config.fileTTLSeconds = try ExportConfiguration.duration(exportFileTTL, "--export-file-ttl") }
        if let port { config.port = port }
        if let host { config.host = host }
        if let corsOrigins { config.corsOrigins = ExportConfiguration.topicList(corsOrigins) }
        if let loggingLevel { config.loggingLevel = try SettingParser.loggingLevel(loggingLevel, "--logging-level") }
        try config.validate()
        return config
    }
}
