import Foundation
import ServiceSupport
import Visibility

extension RealtimeConfiguration {
    /// The dashboard served when `DASHBOARD_DIR` is unset, relative to the current directory.
    public static let defaultDashboardDirectory = "Services/realtimed/Dashboard"

    /// realtimed's settings, once: they drive the environment, the flags, `--help` and the
    /// settings table of docs/realtimed.md (a test fails when the docs drift).
    public static var settings: SettingTable<RealtimeConfiguration> {
        let milliseconds = "(1 to 3600000)"
        return SettingTable([
            .list("BUS_CONNECT", \.busConnect, "ingestd PUB endpoints, comma-separated"),
            .list("BUS_SNAPSHOT_CONNECT", \.busSnapshotConnect,
                  "ingestd snapshot endpoints, comma-separated, paired with `BUS_CONNECT` by position (same count)"),
            .text("HOST", \.host, "address of the Socket.IO and HTTP server"),
            .integer("PORT", \.port, "port of the Socket.IO and HTTP server (0: any free port)"),
            .integer("HISTORY_SIZE", \.historySize, "Price Wars history per topic sent on connect (1 to 100000)"),
            Setting("API_FAMILIES", "event families served: `solar`, `pricewars`, or both",
                    render: { configuration in APIFamily.allCases.filter(configuration.apiFamilies.contains).map(\.rawValue).joined(separator: ",") },
                    parse: { configuration, text, setting throws(ConfigurationError) in
                        var families = Set<APIFamily>()
                        for name in SettingParser.list(text) {
                            guard let family = APIFamily(rawValue: name.lowercased()) else {
                                throw ConfigurationError(setting, "'\(name)' is not one of solar, pricewars")
                            }
                            families.insert(family)
                        }
                        configuration.apiFamilies = families
                    }),
            .boolean("PRICEWARS_HTTP_CODE_FILTER", \.filterHTTPCode,
                     "leave out of the Price Wars family values whose `http_code` is not 200"),
            .loggingLevel(\.loggingLevel),
            .integer("CLIENT_QUEUE_MESSAGES", \.clientQueueMessages,
                     "messages queued for one client before it is dropped as a slow consumer"),
            .integer("CLIENT_QUEUE_BYTES", \.clientQueueBytes, "bytes queued for one client before it is dropped (at least 1024)"),
            .integer("RECOVERY_SECONDS", \.recoverySeconds,
                     "connection state recovery window in seconds (0 to 86400); `0` (as the originals) turns recovery off, and events carry no extra offset argument"),
            .list("CORS_ORIGINS", \.corsOrigins,
                  "origins browsers may call realtimed from (Socket.IO and every HTTP route, `OPTIONS` preflights included), comma-separated: the request's `Origin` is echoed with `Access-Control-Allow-Credentials: true`; `*` echoes any origin, as the seed servers did (see [security.md, CORS](security.md#cors))"),
            .integer("POLLING_RESPONSE_MAX_BYTES", \.pollingResponseMaxBytes,
                     "largest HTTP long-polling response body (1024 to 67108864); queued packets that do not fit go out with the next poll, in order; a single larger packet is sent alone; WebSocket frames are not affected. socket.io-client 1.x decodes a response with `String.fromCharCode.apply`, which fails in Chromium for bodies of about 100 KB (the on-connect history is larger)"),
            .integer("POLLING_RESPONSE_MAX_PACKETS", \.pollingResponseMaxPackets,
                     "most packets in one HTTP long-polling response (1 to 100000); the rest goes out with the next poll, in order. python-engineio clients (3.10 and later, 4.x: python-socketio 4.x and 5.x) refuse a response of more than 16 packets, so a larger on-connect burst would fail their handshake or abort their connection"),
            .optionalText("DASHBOARD_DIR", \.dashboardDirectory,
                          default: "`\(defaultDashboardDirectory)` under the current directory, if it exists", "static files served at `/`"),
            Setting("SOCKET_IO_CLIENT_JS", aliases: ["SOCKET_IO_JS"], "file served at `/socket.io.min.js`",
                    render: { $0.socketIOClientJS }, parse: { configuration, text, _ in configuration.socketIOClientJS = text }),
            .text("REPLICA_ID", \.replicaID, default: "random `rt-xxxxxxxx`", "this replica's id in presence reports (1 to 64 bytes)"),
        ] + Setting.busSubscriber(\.busSecurity) + [
            .integer("PRESENCE_INTERVAL_MS", \.presenceIntervalMilliseconds,
                     "how often the client count is reported to ingestd (50 to 60000)"),
            .boolean("PRICEWARS_LIVE_OBJECTS", \.priceWarsLiveObjects,
                     "live Price Wars events carry the record as a JSON object instead of the original's JSON string"),
            .boolean("EVENT_KAFKA_METADATA", \.eventKafkaMetadata,
                     "record payloads also carry `partition` and `offset` (solar payloads `kafka_timestamp` too, in milliseconds), so clients can tell how fresh a value is; off, the seeds' payloads exactly"),
            .list("PRICEWARS_TOPICS", \.priceWarsTopics, noneMeansEmpty: true,
                  default: "the original's twelve (" + originalPriceWarsTopics.map { "`\($0)`" }.joined(separator: ", ") + ")",
                  "topics whose history goes out on connect (`[]`) and which `/status` lists even before their first record; comma-separated, `none` for none"),
            .optionalText("PRICEWARS_TOPICS_REGEX", \.priceWarsTopicsRegex, default: "unset: every topic",
                          "regular expression, found anywhere in the topic name (Python's `re.search`), of the topics served as Price Wars events and history"),
            .optionalText("SOLAR_TOPICS_REGEX", \.solarTopicsRegex, default: "unset: every topic",
                          "the same for the solar `sensor_values` / `sensor_values_cache` events"),
            .integer("PING_INTERVAL_MS", \.pingIntervalMilliseconds,
                     "Engine.IO ping interval \(milliseconds); the solar gateway used `5000`"),
            .integer("PING_TIMEOUT_MS", \.pingTimeoutMilliseconds,
                     "Engine.IO ping timeout \(milliseconds); the solar gateway used `10000`"),
            .integer("SUBSCRIBE_MAX_PATTERNS", \.subscribeMaxPatterns,
                     "most topic names and patterns one client may follow, and name in one call (1 to 100000)"),
            .integer("SUBSCRIBE_MAX_PATTERN_LENGTH", \.subscribeMaxPatternLength, "longest name or pattern in bytes (1 to 65536)"),
            .integer("CONFLATE_MAX_KEYS", \.conflateMaxKeys,
                     "most keys a conflated subscription (`subscribe` with `conflate` or `maxPerSecond`) holds at once (1 to 1000000); a record of one more key flushes the window early (`realtime_conflation_early_flushes_total`), and when `maxPerSecond` keeps that flush from freeing room, the oldest held record is dropped (`realtime_conflation_dropped_total`)"),
            .integer("MAX_CONNECTIONS", \.maxConnections,
                     "open TCP connections in all; one more is closed as soon as it is accepted (`realtime_connections_refused_total{limit=\"total\"}`)"),
            .integer("MAX_CONNECTIONS_PER_ADDRESS", \.maxConnectionsPerAddress,
                     "open TCP connections from one IP address (`{limit=\"per_address\"}`); behind a proxy every connection comes from the proxy, so set it to `MAX_CONNECTIONS` there (compose does)"),
            .integer("MAX_SESSIONS", \.maxSessions,
                     "Engine.IO sessions in all (a polling session holds no connection); a handshake past it gets 503 `{\"code\":7,\"message\":\"Too many sessions\"}` (`realtime_sessions_refused_total`)"),
            .integer("MAX_SESSIONS_PER_ADDRESS", \.maxSessionsPerAddress, "Engine.IO sessions from one IP address, the same answer past it"),
            .integer("HTTP_HEAD_TIMEOUT_MS", \.httpHeadTimeoutMilliseconds,
                     "a connection must complete a request's head within this of connecting or of its previous answer, whatever bytes it sends meanwhile: idle keep-alive connections and slow heads are closed (`realtime_http_timeouts_total{part=\"head\"}`); WebSocket connections and requests being answered (parked polls) are exempt (100 to 3600000)"),
            .integer("HTTP_BODY_TIMEOUT_MS", \.httpBodyTimeoutMilliseconds,
                     "a request's body must be complete within this of its head (`{part=\"body\"}`) (100 to 3600000)"),
            Setting("METRICS_PORT", default: "unset: `/metrics` on `PORT`",
                    "a listener of its own for `/metrics` (0: any free port); set, `PORT` answers `/metrics` with 404, so a proxy in front of `PORT` never exposes it (compose sets it and publishes neither)",
                    render: { $0.metricsPort.map(String.init) },
                    parse: { configuration, text, setting throws(ConfigurationError) in
                        guard let port = Int(text), (0...65535).contains(port) else {
                            throw ConfigurationError(setting, "'\(text)' is not a port (0 to 65535)")
                        }
                        configuration.metricsPort = port
                    }),
            .text("METRICS_HOST", \.metricsHost, "address of the `METRICS_PORT` listener"),
            .choice("AUTH_MODE", \.authMode, RealtimeAuthMode.allCases.map { ($0.rawValue, $0) },
                    "who may connect and what each client sees: `none` (as the seeds: anyone, everything), `token` (a token is required; a merchant token sees public records and its own, an operator token everything; `/status` answers per token and `/metrics` wants an operator token) or `jwt` (the same with signed, expiring JWTs and topic permissions); see [security.md](security.md#who-sees-what-live)"),
            .optionalText("OPERATOR_TOKENS_FILE", \.operatorTokensFile, default: "unset: no operators",
                          "with `AUTH_MODE=token`: a file of operator tokens' SHA-256 digests, hexadecimal, one per line (`#` comments and blank lines ignored) (`printf %s \"$TOKEN\" | sha256sum` gives one)"),
        ] + Setting.jwtKeys(\.jwtKeys))
    }
}
