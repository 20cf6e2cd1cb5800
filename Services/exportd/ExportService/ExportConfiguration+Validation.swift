extension ExportConfiguration {
    /// The largest `EXPORT_MAX_ROWS` accepted.
    public static let maxRowsLimit = 10_000_000

    /// Checks every setting; throws the first problem found.
    public func validate() throws(ExportConfigurationError) {
        for (setting, endpoint) in [("BUS_CONNECT", busConnect), ("BUS_SNAPSHOT_CONNECT", busSnapshotConnect)] {
            guard ["tcp://", "ipc://", "inproc://"].contains(where: endpoint.hasPrefix), endpoint.count > 6 else {
                throw ExportConfigurationError(setting, "'\(endpoint)' is not a ZeroMQ endpoint such as tcp://127.0.0.1:5556")
            }
        }
        if busConnect == busSnapshotConnect {
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
        if corsOrigins.isEmpty { throw ExportConfigurationError("CORS_ORIGINS", "must name at least one origin, or *") }
    }
}
