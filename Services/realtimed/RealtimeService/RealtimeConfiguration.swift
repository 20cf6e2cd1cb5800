import Bus
import Logging
import Visibility

/// Everything realtimed needs to run. Defaults match the seed systems; see `docs/realtimed.md`.
public struct RealtimeConfiguration: Sendable, Equatable {
    /// Live endpoints of the ingestd publishers (`BUS_CONNECT`).
    public var busConnect: [String] = ["tcp://localhost:5556"]
    /// Snapshot endpoints, paired with `busConnect` by position (`BUS_SNAPSHOT_CONNECT`).
    public var busSnapshotConnect: [String] = ["tcp://localhost:5557"]
    /// How the bus sockets protect themselves: largest message, optional CURVE keys
    /// (`BUS_SUBSCRIBER_MAX_MESSAGE_BYTES`, `BUS_CURVE_SERVER_KEY`, `BUS_CURVE_CLIENT_SECRET_KEY`).
    public var busSecurity: BusSocketSecurity = .subscriberDefault
    /// Address of the Socket.IO and HTTP server (`HOST`).
    public var host: String = "0.0.0.0"
    /// Port of the Socket.IO and HTTP server (`PORT`); 0 picks a free one.
    public var port: Int = 5002
    /// Records per topic sent as Price Wars history on connect (`HISTORY_SIZE`).
    public var historySize: Int = 100
    /// The event families served (`API_FAMILIES`).
    public var apiFamilies: Set<APIFamily> = Set(APIFamily.allCases)
    /// Whether Price Wars events leave out values whose `http_code` is not 200 (`PRICEWARS_HTTP_CODE_FILTER`).
    public var filterHTTPCode: Bool = true
    /// Log level (`LOGGING_LEVEL`).
    public var loggingLevel: Logger.Level = .info
    /// Most messages queued for one client before it is dropped as a slow consumer (`CLIENT_QUEUE_MESSAGES`).
    public var clientQueueMessages: Int = 10_000
    /// Most bytes queued for one client before it is dropped as a slow consumer (`CLIENT_QUEUE_BYTES`).
    public var clientQueueBytes: Int = 16 * 1024 * 1024
    /// How long a dropped client can recover its session, in seconds; 0 (the default, as the
    /// originals: no offsets appended to events) turns recovery off (`RECOVERY_SECONDS`).
    public var recoverySeconds: Int = 0
    /// Allowed CORS origins; `["*"]` means any (`CORS_ORIGINS`).
    public var corsOrigins: [String] = ["*"]
    /// The largest polling response body in bytes; what does not fit goes out with the next
    /// poll (`POLLING_RESPONSE_MAX_BYTES`). Small enough for socket.io-client 1.x.
    public var pollingResponseMaxBytes: Int = 64 * 1024
    /// The most packets in one polling response; the rest goes out with the next poll
    /// (`POLLING_RESPONSE_MAX_PACKETS`). python-engineio clients refuse more than 16.
    public var pollingResponseMaxPackets: Int = 16
    /// Directory the dashboard is served from (`DASHBOARD_DIR`); nil when there is none.
    public var dashboardDirectory: String?
    /// The Socket.IO browser client served at `/socket.io.min.js` (`SOCKET_IO_CLIENT_JS`, else `SOCKET_IO_JS`).
    public var socketIOClientJS: String?
    /// This replica's id on the bus (`REPLICA_ID`, default random).
    public var replicaID: String = RealtimeConfiguration.randomReplicaID()
    /// How often this replica reports its client count to every ingestd, in ms (`PRESENCE_INTERVAL_MS`).
    public var presenceIntervalMilliseconds: Int = 1000

    /// Whether live Price Wars events carry the record as a JSON object instead of the original's
    /// JSON string (`PRICEWARS_LIVE_OBJECTS`, default false: a string, as `json.dumps` gave).
    public var priceWarsLiveObjects: Bool = false
    /// `EVENT_KAFKA_METADATA`: record payloads also carry `partition` and `offset` (and solar
    /// payloads `kafka_timestamp`), for clients that show how fresh a value is. Off: the seeds'
    /// payloads exactly.
    public var eventKafkaMetadata: Bool = false
    /// Topics whose Price Wars history is sent on connect even before any record of them arrived
    /// (`[]` then), as the original did for its fixed topic list (`PRICEWARS_TOPICS`; `none` for none).
    public var priceWarsTopics: [String] = RealtimeConfiguration.originalPriceWarsTopics
    /// Topics served as Price Wars events, searched anywhere in the name (`PRICEWARS_TOPICS_REGEX`, default all).
    public var priceWarsTopicsRegex: String?
    /// Topics served as solar `sensor_values`, searched anywhere in the name (`SOLAR_TOPICS_REGEX`, default all).
    public var solarTopicsRegex: String?
    /// Engine.IO ping interval in ms (`PING_INTERVAL_MS`, default 25000; the solar gateway used 5000).
    public var pingIntervalMilliseconds: Int = 25_000
    /// Engine.IO ping timeout in ms (`PING_TIMEOUT_MS`, default 20000; the solar gateway used 10000).
    public var pingTimeoutMilliseconds: Int = 20_000
    /// Most patterns one client may follow (`SUBSCRIBE_MAX_PATTERNS`).
    public var subscribeMaxPatterns: Int = 1000
    /// Longest topic name or pattern a client may subscribe to, in bytes (`SUBSCRIBE_MAX_PATTERN_LENGTH`).
    public var subscribeMaxPatternLength: Int = 256
    /// Most keys one conflated subscription holds per window (`CONFLATE_MAX_KEYS`).
    public var conflateMaxKeys: Int = 10_000
    /// Open connections in all (`MAX_CONNECTIONS`); one more is closed as soon as it is accepted.
    public var maxConnections: Int = 30_000
    /// Open connections from one IP address (`MAX_CONNECTIONS_PER_ADDRESS`); behind a proxy every
    /// connection comes from the proxy's address, so raise it to `MAX_CONNECTIONS` there.
    public var maxConnectionsPerAddress: Int = 4096
    /// Engine.IO sessions in all (`MAX_SESSIONS`); a handshake past it gets 503.
    public var maxSessions: Int = 30_000
    /// Engine.IO sessions from one IP address (`MAX_SESSIONS_PER_ADDRESS`); a handshake past it gets 503.
    public var maxSessionsPerAddress: Int = 4096
    /// Time for an HTTP request's head, from connecting or the previous answer, in ms
    /// (`HTTP_HEAD_TIMEOUT_MS`): idle keep-alive connections and slow heads are closed after it.
    public var httpHeadTimeoutMilliseconds: Int = 60_000
    /// Time for an HTTP request's body, from its head, in ms (`HTTP_BODY_TIMEOUT_MS`).
    public var httpBodyTimeoutMilliseconds: Int = 30_000
    /// A port of its own for `/metrics` (`METRICS_PORT`); nil: `/metrics` on `PORT`, as before.
    public var metricsPort: Int?
    /// The address of the metrics listener (`METRICS_HOST`).
    public var metricsHost: String = "0.0.0.0"
    /// Who may connect and what each client sees (`AUTH_MODE`).
    public var authMode: RealtimeAuthMode = .none
    /// A file of operator tokens' SHA-256 digests, hexadecimal, one per line (`OPERATOR_TOKENS_FILE`).
    public var operatorTokensFile: String?
    /// `AUTH_MODE=jwt`: where the keys of the accepted JWTs are.
    public var jwtKeys = JWTKeyFiles()

    /// The topics of the Price Wars proxy (`LoggerApp.py`): the history it sent on every connect.
    public static let originalPriceWarsTopics = [
        "addOffer", "buyOffer", "profit", "updateOffer", "updates", "salesPerMinutes",
        "cumulativeAmountBasedMarketshare", "cumulativeRevenueBasedMarketshare", "marketSituation",
        "revenuePerMinute", "revenuePerHour", "profitPerMinute",
    ]

    public init() {}

    /// The publishers as (live, snapshot) endpoint pairs.
    public var publishers: [(live: String, snapshot: String)] {
        Array(zip(busConnect, busSnapshotConnect)).map { (live: $0.0, snapshot: $0.1) }
    }

    /// A random id like `rt-3f9a1c0d`.
    public static func randomReplicaID() -> String {
        let digits = Array("0123456789abcdef")
        return "rt-" + String((0..<8).map { _ in digits[Int.random(in: 0..<16)] })
    }
}
