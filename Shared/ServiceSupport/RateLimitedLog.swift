import Logging

/// Logs at most one message per key and interval, saying how many were held back meanwhile.
public struct RateLimitedLog: Sendable {
    private var lastLogged: [String: ContinuousClock.Instant] = [:]
    private var suppressed: [String: Int] = [:]
    /// The shortest time between two messages of one key.
    public let interval: Duration

    /// - Parameter interval: the shortest time between two messages of one key.
    public init(interval: Duration = .seconds(5)) {
        self.interval = interval
    }

    /// Logs `message` unless a message for `key` was logged less than `interval` ago.
    public mutating func log(_ logger: Logger, level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        guard let held = admit(key: key) else { return }
        Self.emit(logger, level: level, message(), held: held)
    }

    /// Whether a message for `key` may be logged now: the number held back since the last one,
    /// or nil (counted as held back).
    public mutating func admit(key: String) -> Int? {
        let now = ContinuousClock.now
        if let last = lastLogged[key], now - last < interval {
            suppressed[key, default: 0] += 1
            return nil
        }
        lastLogged[key] = now
        return suppressed.removeValue(forKey: key) ?? 0
    }

    /// Logs `message`, saying how many similar ones were held back.
    public static func emit(_ logger: Logger, level: Logger.Level, _ message: String, held: Int) {
        let suffix = held > 0 ? " (\(held) similar message(s) suppressed)" : ""
        logger.log(level: level, "\(message)\(suffix)")
    }
}
