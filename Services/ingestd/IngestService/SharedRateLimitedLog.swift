import Logging
import Synchronization

/// A ``RateLimitedLog`` usable from any task or thread: decides under its lock, logs after.
final class SharedRateLimitedLog: Sendable {
    private let limiter: Mutex<RateLimitedLog>

    init(interval: Duration = .seconds(5)) {
        limiter = Mutex(RateLimitedLog(interval: interval))
    }

    func log(_ logger: Logger, level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        guard let held = limiter.withLock({ $0.admit(key: key) }) else { return }
        RateLimitedLog.emit(logger, level: level, message(), held: held)
    }
}
