import Bus
import Logging
import Visibility

/// Everything exportd needs to run, with the defaults of the seed system (the Price Wars
/// Kafka reverse proxy served merchants on port 8001).
///
/// Filled from environment variables, then from command-line flags (which win), and checked by
/// `validate()` before anything starts.
public struct ExportConfiguration: Sendable {
    /// `BUS_CONNECT`: the live bus endpoints (ZeroMQ PUB) of the ingestd publishers, one per
    /// ingestd shard.
    public var busConnect = ["tcp://127.0.0.1:5556"]
    /// `BUS_SNAPSHOT_CONNECT`: their snapshot and replay endpoints (ZeroMQ ROUTER), paired with
    /// `busConnect` by position.
    public var busSnapshotConnect = ["tcp://127.0.0.1:5557"]
    /// `MERCHANT_TOPICS`: the topics merchants may export, comma-separated; by default the Price
    /// Wars proxy's twelve.
    public var merchantTopics = [
        "addOffer", "buyOffer", "profit", "updateOffer", "updates", "salesPerMinutes",
        "cumulativeAmountBasedMarketshare", "cumulativeRevenueBasedMarketshare",
        "marketSituation", "revenuePerMinute", "revenuePerHour", "profitPerMinute",
    ]
    /// `CORS_ORIGINS`: origins browsers may call exportd from, comma-separated; `*` (the
    /// default) echoes any origin with credentials allowed, as the Price Wars proxy did.
    public var corsOrigins = ["*"]
    /// How the bus sockets protect themselves (`BUS_SUBSCRIBER_MAX_MESSAGE_BYTES`,
    /// `BUS_CURVE_SERVER_KEY`, `BUS_CURVE_CLIENT_SECRET_KEY`).
    public var busSecurity: BusSocketSecurity = .subscriberDefault
    /// `DATA_DIR`: where rows and export files are kept.
    public var dataDirectory = "./data"
    /// `EXPORT_MAX_ROWS`: rows kept per topic for each merchant's view (the newest ones).
    public var maxRows = 100_000
    /// `EXPORT_FILE_TTL`: how long an export file stays downloadable, in seconds.
    public var fileTTLSeconds = 3600
    /// `PORT`: the HTTP port.
    public var port = 8001
    /// `HOST`: the HTTP address.
    public var host = "0.0.0.0"
    /// Export files and streams per merchant and in all (`EXPORT_MAX_FILES_PER_MERCHANT`,
    /// `EXPORT_MAX_BYTES_PER_MERCHANT`, `EXPORT_MAX_FILES`, `EXPORT_MAX_BYTES`,
    /// `EXPORT_MAX_STREAMS_PER_MERCHANT`, `EXPORT_MAX_STREAMS`).
    public var limits = ExportLimits()
    /// `MAX_CONNECTIONS`: open HTTP connections in all.
    public var maxConnections = 4096
    /// `MAX_CONNECTIONS_PER_ADDRESS`: open HTTP connections from one IP address (behind a proxy,
    /// raise it to `MAX_CONNECTIONS`).
    public var maxConnectionsPerAddress = 256
    /// `HTTP_HEAD_TIMEOUT_MS`: time for a request's head from connecting or the previous answer.
    public var httpHeadTimeoutMilliseconds = 60_000
    /// `HTTP_BODY_TIMEOUT_MS`: time for a request's body from its head.
    public var httpBodyTimeoutMilliseconds = 30_000
    /// `LOGGING_LEVEL`: CRITICAL, ERROR, WARNING, INFO or DEBUG.
    public var loggingLevel: Logger.Level = .info
    /// How merchants are told apart (`AUTH_MODE`).
    public var authMode: ExportAuthMode = .token
    /// `AUTH_MODE=jwt`: where the keys of the accepted JWTs are.
    public var jwtKeys = JWTKeyFiles()

    public init() {}
}
