import Synchronization

/// A value guarded by a mutex and shared by reference, for state the synchronous decode path and
/// the asynchronous schema loading both use. Critical sections are short and never block on I/O.
final class LockedValue<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try mutex.withLock { try body(&$0) }
    }
}
