import Logging
import Synchronization

/// A ``RateLimitedLog`` usable from any task or thread: decides under its lock, logs after.
public final class SharedRateLimitedLog: Sendable {
    private let limiter: Mutex<RateLimitedLog>

    /// - Parameter interval: the shortest time between two messages of one key.
    public init(interval: Duration = .seconds(5)) {
        limiter = Mutex(RateLimitedLog(interval: interval))
    }

    /// Logs `message` unless a message for `key` was logged less than the interval ago.
    public func log(_ logger: Logger, level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        guard let held = limiter.withLock({ $0.admit(key: key) }) else { return }
        RateLimitedLog.emit(logger, level: level, message(), held: held)
    }
}
