import ServiceSupport
import Foundation
import Visibility

extension RealtimeConfiguration {
    /// Throws an error naming the first setting realtimed cannot run with.
    public func validate() throws(RealtimeConfigurationError) {
        guard !busConnect.isEmpty else { throw RealtimeConfigurationError("BUS_CONNECT", "no endpoint given") }
        guard busConnect.count == busSnapshotConnect.count else {
            throw RealtimeConfigurationError(
                "BUS_SNAPSHOT_CONNECT",
                "\(busSnapshotConnect.count) endpoint(s) for \(busConnect.count) BUS_CONNECT endpoint(s); they pair by position")
        }
        for endpoint in busConnect where !Self.isEndpoint(endpoint) {
            throw RealtimeConfigurationError("BUS_CONNECT", "'\(endpoint)' is not a ZeroMQ endpoint like tcp://host:5556")
        }
        for endpoint in busSnapshotConnect where !Self.isEndpoint(endpoint) {
            throw RealtimeConfigurationError("BUS_SNAPSHOT_CONNECT", "'\(endpoint)' is not a ZeroMQ endpoint like tcp://host:5557")
        }
        guard (0...65535).contains(port) else { throw RealtimeConfigurationError("PORT", "\(port) is not between 0 and 65535") }
        guard !host.isEmpty else { throw RealtimeConfigurationError("HOST", "empty") }
        guard (1...100_000).contains(historySize) else {
            throw RealtimeConfigurationError("HISTORY_SIZE", "\(historySize) is not between 1 and 100000")
        }
        guard !apiFamilies.isEmpty else { throw RealtimeConfigurationError("API_FAMILIES", "no family given") }
        guard clientQueueMessages >= 1 else {
            throw RealtimeConfigurationError("CLIENT_QUEUE_MESSAGES", "\(clientQueueMessages) must be at least 1")
        }
        guard clientQueueBytes >= 1024 else {
            throw RealtimeConfigurationError("CLIENT_QUEUE_BYTES", "\(clientQueueBytes) must be at least 1024")
        }
        guard (0...86_400).contains(recoverySeconds) else {
            throw RealtimeConfigurationError("RECOVERY_SECONDS", "\(recoverySeconds) is not between 0 and 86400")
        }
        guard !corsOrigins.isEmpty else { throw RealtimeConfigurationError("CORS_ORIGINS", "no origin given") }
        try busSecurity.validateBusSubscriber()
        guard (1024...(64 * 1024 * 1024)).contains(pollingResponseMaxBytes) else {
            throw RealtimeConfigurationError(
                "POLLING_RESPONSE_MAX_BYTES", "\(pollingResponseMaxBytes) is not between 1024 and 67108864")
        }
        guard (1...100_000).contains(pollingResponseMaxPackets) else {
            throw RealtimeConfigurationError(
                "POLLING_RESPONSE_MAX_PACKETS", "\(pollingResponseMaxPackets) is not between 1 and 100000")
        }
        guard !replicaID.isEmpty, replicaID.utf8.count <= 64 else {
            throw RealtimeConfigurationError("REPLICA_ID", "must be 1 to 64 bytes")
        }
        guard (50...60_000).contains(presenceIntervalMilliseconds) else {
            throw RealtimeConfigurationError("PRESENCE_INTERVAL_MS", "\(presenceIntervalMilliseconds) is not between 50 and 60000")
        }
        for (name, pattern) in [("PRICEWARS_TOPICS_REGEX", priceWarsTopicsRegex), ("SOLAR_TOPICS_REGEX", solarTopicsRegex)] {
            if let pattern, (try? NSRegularExpression(pattern: pattern)) == nil {
                throw RealtimeConfigurationError(name, "'\(pattern)' is not a regular expression")
            }
        }
        guard (1...3_600_000).contains(pingIntervalMilliseconds) else {
            throw RealtimeConfigurationError("PING_INTERVAL_MS", "\(pingIntervalMilliseconds) is not between 1 and 3600000")
        }
        guard (1...3_600_000).contains(pingTimeoutMilliseconds) else {
            throw RealtimeConfigurationError("PING_TIMEOUT_MS", "\(pingTimeoutMilliseconds) is not between 1 and 3600000")
        }
        guard (1...100_000).contains(subscribeMaxPatterns) else {
            throw RealtimeConfigurationError("SUBSCRIBE_MAX_PATTERNS", "\(subscribeMaxPatterns) is not between 1 and 100000")
        }
        guard (1...1_000_000).contains(conflateMaxKeys) else {
            throw RealtimeConfigurationError("CONFLATE_MAX_KEYS", "\(conflateMaxKeys) is not between 1 and 1000000")
        }
        guard (1...65_536).contains(subscribeMaxPatternLength) else {
            throw RealtimeConfigurationError(
                "SUBSCRIBE_MAX_PATTERN_LENGTH", "\(subscribeMaxPatternLength) is not between 1 and 65536")
        }
        for (name, value) in [("MAX_CONNECTIONS", maxConnections), ("MAX_CONNECTIONS_PER_ADDRESS", maxConnectionsPerAddress),
                              ("MAX_SESSIONS", maxSessions), ("MAX_SESSIONS_PER_ADDRESS", maxSessionsPerAddress)]
        where !(1...10_000_000).contains(value) {
            throw RealtimeConfigurationError(name, "\(value) is not between 1 and 10000000")
        }
        for (name, value) in [("HTTP_HEAD_TIMEOUT_MS", httpHeadTimeoutMilliseconds),
                              ("HTTP_BODY_TIMEOUT_MS", httpBodyTimeoutMilliseconds)]
        where !(100...3_600_000).contains(value) {
            throw RealtimeConfigurationError(name, "\(value) is not between 100 and 3600000")
        }
        if let operatorTokensFile {
            guard authMode == .token else {
                throw RealtimeConfigurationError("OPERATOR_TOKENS_FILE", "only used with AUTH_MODE=token")
            }
            do {
                _ = try OperatorTokenDigests(contentsOf: operatorTokensFile)
            } catch {
                throw RealtimeConfigurationError("OPERATOR_TOKENS_FILE", "\(error)")
            }
        }
        try jwtKeys.validate(jwtEnabled: authMode == .jwt)
        if let metricsPort, metricsPort != 0, metricsPort == port {
            throw RealtimeConfigurationError("METRICS_PORT", "\(metricsPort) is PORT: the metrics need a port of their own")
        }
        guard !metricsHost.isEmpty else { throw RealtimeConfigurationError("METRICS_HOST", "empty") }
        var isDirectory: ObjCBool = false
        if let dashboardDirectory,
           !FileManager.default.fileExists(atPath: dashboardDirectory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw RealtimeConfigurationError("DASHBOARD_DIR", "'\(dashboardDirectory)' is not a directory")
        }
    }

    /// `tcp://host:port`, `ipc://path` or `inproc://name`.
    static func isEndpoint(_ text: String) -> Bool {
        for scheme in ["tcp://", "ipc://", "inproc://"] where text.hasPrefix(scheme) {
            return text.count > scheme.count
        }
        return false
    }
}
