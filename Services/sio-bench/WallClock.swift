import Foundation

/// Wall-clock time in microseconds since 1970, comparable between processes on one machine
/// (the server stamps each `tick`, the load generator subtracts it on arrival).
enum WallClock {
    /// Now, in microseconds since the Unix epoch.
    static func microseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }
}
