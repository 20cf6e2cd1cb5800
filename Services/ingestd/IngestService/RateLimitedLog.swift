import Logging

/// Logs at most one message per key and interval, saying how many were held back meanwhile.
struct RateLimitedLog {
    private var lastLogged: [String: ContinuousClock.Instant] = [:]
    private var suppressed: [String: Int] = [:]
    let interval: Duration

    init(interval: Duration = .seconds(5)) {
        self.interval = interval
    }

    mutating func log(_ logger: Logger, level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        let now = ContinuousClock.now
        if let last = lastLogged[key], now - last < interval {
            suppressed[key, default: 0] += 1
            return
        }
        lastLogged[key] = now
        let held = suppressed.removeValue(forKey: key) ?? 0
        let suffix = held > 0 ? " (\(held) similar message(s) suppressed)" : ""
        logger.log(level: level, "\(message())\(suffix)")
    }
}
