import NIOPosix

/// Coalesces the flushes that sends schedule while a batch of emits runs on one thread: each
/// session's first send in the batch would schedule a flush on its loop at once, and a busy loop
/// runs it before the batch's later sends arrive, so a client in several rooms (a scope's and the
/// public one, say) got one socket write per emit. Inside ``coalescing(_:)`` the flushes are held
/// and scheduled when the batch ends: one write per session per batch, whatever rooms it is in.
///
/// Touched only by the thread that runs the batch (a thread-specific value), hence
/// `@unchecked Sendable`.
public final class EngineFlushBatch: @unchecked Sendable {
    private static let current = ThreadSpecificVariable<EngineFlushBatch>()
    private var pending: [() -> Void] = []

    private init() {}

    /// Runs `body`; flushes its sends schedule on this thread are scheduled when it returns.
    /// Nested calls join the outer batch.
    public static func coalescing<Result>(_ body: () throws -> Result) rethrows -> Result {
        if current.currentValue != nil { return try body() }
        let batch = EngineFlushBatch()
        current.currentValue = batch
        defer {
            current.currentValue = nil
            for schedule in batch.pending { schedule() }
        }
        return try body()
    }

    /// Schedules `flush` now, or at the end of this thread's batch when one runs.
    static func schedule(_ flush: @escaping () -> Void) {
        if let batch = current.currentValue {
            batch.pending.append(flush)
        } else {
            flush()
        }
    }
}
