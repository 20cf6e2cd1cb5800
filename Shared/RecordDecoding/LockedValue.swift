import Foundation

/// A value guarded by a lock, for state shared between the synchronous decode path and the
/// asynchronous schema loading. Critical sections are short and never block on I/O.
final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
