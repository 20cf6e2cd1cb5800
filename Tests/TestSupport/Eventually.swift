import Foundation

/// Polls `condition` until it holds or `timeout` seconds pass; returns whether it held.
/// Tests use this instead of fixed sleeps as a readiness check.
public func eventually(timeout: Double = 10, interval: Double = 0.02,
                       _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    } while Date() < deadline
    return try condition()
}

/// Async variant of `eventually` that yields instead of blocking a thread.
public func eventually(timeout: Double = 10, interval: Double = 0.02,
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
    } while Date() < deadline
    return try await condition()
}
