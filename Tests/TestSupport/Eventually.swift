import Foundation

/// Polls `condition` until it holds or `timeout` seconds pass, blocking the calling thread;
/// returns whether it held. For synchronous code only (async tests use `eventually`, which
/// never blocks a concurrency thread). Tests use this instead of fixed sleeps.
public func eventuallyBlocking(timeout: Double = 10, interval: Double = 0.02,
                               _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    } while Date() < deadline
    return try condition()
}

/// Polls `condition` until it holds or `timeout` seconds pass, sleeping between tries without
/// blocking a thread; returns whether it held.
public func eventually(timeout: Double = 10, interval: Double = 0.02,
                       _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
    } while Date() < deadline
    return try await condition()
}
