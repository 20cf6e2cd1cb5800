import ServiceSupport
import Visibility

extension ExportConfiguration {
    /// The largest `EXPORT_MAX_ROWS` accepted.
    public static let maxRowsLimit = 10_000_000

    /// Checks every setting; throws the first problem found.
    public func validate() throws(ExportConfigurationError) {
        try jwtKeys.validate(jwtEnabled: authMode == .jwt)
        guard !busConnect.isEmpty else { throw ExportConfigurationError("BUS_CONNECT", "no endpoint given") }
        guard busConnect.count == busSnapshotConnect.count else {
            throw ExportConfigurationError(
                "BUS_SNAPSHOT_CONNECT",
                "\(busSnapshotConnect.count) endpoint(s) for \(busConnect.count) BUS_CONNECT endpoint(s); they pair by position")
        }
        for (setting, endpoints) in [("BUS_CONNECT", busConnect), ("BUS_SNAPSHOT_CONNECT", busSnapshotConnect)] {
            for endpoint in endpoints where !(["tcp://", "ipc://", "inproc://"].contains(where: endpoint.hasPrefix) && endpoint.count > 6) {
                throw ExportConfigurationError(setting, "'\(endpoint)' is not a ZeroMQ endpoint such as tcp://127.0.0.1:5556")
            }
            if Set(endpoints).count != endpoints.count {
                throw ExportConfigurationError(setting, "names an endpoint twice")
            }
        }
        if !Set(busConnect).isDisjoint(with: busSnapshotConnect) {
            throw ExportConfigurationError("BUS_SNAPSHOT_CONNECT", "must differ from BUS_CONNECT")
        }
        guard !merchantTopics.isEmpty else {
            throw ExportConfigurationError("MERCHANT_TOPICS", "must name at least one topic")
        }
        for topic in merchantTopics where topic.hasPrefix("_") || topic.utf8.count > 249 {
            throw ExportConfigurationError("MERCHANT_TOPICS", "'\(topic)' is not a merchant topic name")
        }
        if Set(merchantTopics).count != merchantTopics.count {
            throw ExportConfigurationError("MERCHANT_TOPICS", "names a topic twice")
        }
        if dataDirectory.isEmpty { throw ExportConfigurationError("DATA_DIR", "must not be empty") }
        guard (1...Self.maxRowsLimit).contains(maxRows) else {
            throw ExportConfigurationError("EXPORT_MAX_ROWS", "\(maxRows) is not between 1 and \(Self.maxRowsLimit)")
        }
        guard (1...31 * 86_400).contains(fileTTLSeconds) else {
            throw ExportConfigurationError("EXPORT_FILE_TTL", "\(fileTTLSeconds) s is not between 1 s and 31 days")
        }
        guard (0...65_535).contains(port) else { throw ExportConfigurationError("PORT", "\(port) is not a TCP port") }
        if host.isEmpty { throw ExportConfigurationError("HOST", "must not be empty") }
        let counts = [("EXPORT_MAX_FILES_PER_MERCHANT", limits.maxFilesPerMerchant),
                      ("EXPORT_MAX_BYTES_PER_MERCHANT", limits.maxBytesPerMerchant),
                      ("EXPORT_MAX_FILES", limits.maxFiles), ("EXPORT_MAX_BYTES", limits.maxBytes),
                      ("EXPORT_MAX_STREAMS_PER_MERCHANT", limits.maxStreamsPerMerchant),
                      ("EXPORT_MAX_STREAMS", limits.maxStreams), ("MAX_CONNECTIONS", maxConnections),
                      ("MAX_CONNECTIONS_PER_ADDRESS", maxConnectionsPerAddress)]
        for (setting, value) in counts where value < 1 {
            throw ExportConfigurationError(setting, "\(value) is not positive")
        }
        for (setting, value) in [("HTTP_HEAD_TIMEOUT_MS", httpHeadTimeoutMilliseconds),
                                 ("HTTP_BODY_TIMEOUT_MS", httpBodyTimeoutMilliseconds)]
        where !(100...3_600_000).contains(value) {
            throw ExportConfigurationError(setting, "\(value) is not between 100 and 3600000")
        }
        if corsOrigins.isEmpty { throw ExportConfigurationError("CORS_ORIGINS", "must name at least one origin, or *") }
        try busSecurity.validateBusSubscriber()
    }
}
