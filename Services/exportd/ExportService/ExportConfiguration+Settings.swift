import ServiceSupport
import Visibility

extension ExportConfiguration {
    /// exportd's settings, once: they drive the environment, the flags, `--help` and the
    /// settings table of docs/exportd.md (a test fails when the docs drift).
    public static var settings: SettingTable<ExportConfiguration> {
        SettingTable([
            .list("BUS_CONNECT", \.busConnect,
                  "ingestd's live bus endpoints (PUB), comma-separated: one per ingestd shard (`SHARD_COUNT`)"),
            .list("BUS_SNAPSHOT_CONNECT", \.busSnapshotConnect,
                  "ingestd's snapshot/replay endpoints (ROUTER), comma-separated, paired with `BUS_CONNECT` by position (same count)"),
            .list("MERCHANT_TOPICS", \.merchantTopics, default: "the Price Wars proxy's twelve (above)",
                  "topics merchants may export, comma-separated"),
            .text("DATA_DIR", \.dataDirectory, "stored rows (`topics/`) and export files (`exports/`)"),
            .integer("EXPORT_MAX_ROWS", \.maxRows, "newest rows kept per topic for each merchant (1 to 10,000,000)"),
            .duration("EXPORT_FILE_TTL", \.fileTTLSeconds, default: "`3600` (1 h)",
                      "lifetime of export files: seconds or `90s`, `15m`, `1h`, `2d` (1 s to 31 d)"),
            .integer("EXPORT_MAX_FILES_PER_MERCHANT", \.limits.maxFilesPerMerchant,
                     "live export files of one merchant (anonymous requests share one allowance); one more: `429` with `Retry-After: 60`"),
            .integer("EXPORT_MAX_BYTES_PER_MERCHANT", \.limits.maxBytesPerMerchant, default: "`536870912` (512 MiB)",
                     "a new file is refused (`429`) once one merchant's live files hold this many bytes"),
            .integer("EXPORT_MAX_FILES", \.limits.maxFiles, "live export files in all; one more: `503` with `Retry-After: 60`"),
            .integer("EXPORT_MAX_BYTES", \.limits.maxBytes, default: "`4294967296` (4 GiB)",
                     "a new file is refused (`503`) once all live files hold this many bytes"),
            .integer("EXPORT_MAX_STREAMS_PER_MERCHANT", \.limits.maxStreamsPerMerchant,
                     "streamed exports (`/export/data/{topic}.csv`) of one merchant at once; one more: `429` with `Retry-After: 1`"),
            .integer("EXPORT_MAX_STREAMS", \.limits.maxStreams, "streamed exports at once in all; one more: `503`"),
            .integer("MAX_CONNECTIONS", \.maxConnections,
                     "open HTTP connections in all; one more is closed as soon as it is accepted (`export_connections_refused_total{limit=\"total\"}`)"),
            .integer("MAX_CONNECTIONS_PER_ADDRESS", \.maxConnectionsPerAddress,
                     "open HTTP connections from one IP address (`{limit=\"per_address\"}`); behind a proxy, set it to `MAX_CONNECTIONS`"),
            .integer("HTTP_HEAD_TIMEOUT_MS", \.httpHeadTimeoutMilliseconds,
                     "a request's head must be complete within this of connecting or of the previous answer, whatever bytes arrive meanwhile (`export_http_timeouts_total{part=\"head\"}`)"),
            .integer("HTTP_BODY_TIMEOUT_MS", \.httpBodyTimeoutMilliseconds,
                     "a request's body must be complete within this of its head (`{part=\"body\"}`)"),
            .integer("PORT", \.port, "HTTP port"),
            .text("HOST", \.host, "HTTP address"),
            .list("CORS_ORIGINS", \.corsOrigins,
                  "origins browsers may call exportd from, comma-separated: an allowed request `Origin` is echoed with `Access-Control-Allow-Credentials: true` on every route, and `OPTIONS` preflights are answered 204; `*` allows any origin, as the original (flask_cors) did ([security.md, CORS](security.md#cors))"),
        ] + Setting.busSubscriber(\.busSecurity) + [
            .loggingLevel(\.loggingLevel),
            .choice("AUTH_MODE", \.authMode, ExportAuthMode.allCases.map { ($0.rawValue, $0) },
                    "`token` (as the Price Wars proxy: a merchant token in `Authorization` names its merchant, none sees public rows) or `jwt` (a JWT is required, realtimed's keys and claims: `merchant_id`, `topics`; an operator's exports `?merchant=<id>`); see [security.md](security.md#who-sees-what-live)"),
        ] + Setting.jwtKeys(\.jwtKeys))
    }
}
