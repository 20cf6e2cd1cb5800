import NIOCore
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
    /// The held flushes, per event loop in the order their loops first came.
    private var pending: [(loop: any EventLoop, flushes: [@Sendable () -> Void])] = []
    private var indexByLoop: [ObjectIdentifier: Int] = [:]

    private init() {}

    /// Runs `body`; flushes its sends schedule on this thread are scheduled when it returns, one
    /// task per event loop running that loop's flushes in order (a broadcast to 15,000 clients
    /// hands each loop one task, not one per client).
    /// Nested calls join the outer batch.
    public static func coalescing<Result>(_ body: () throws -> Result) rethrows -> Result {
        if current.currentValue != nil { return try body() }
        let batch = EngineFlushBatch()
        current.currentValue = batch
        defer {
            current.currentValue = nil
            for (loop, flushes) in batch.pending {
                loop.execute { for flush in flushes { flush() } }
            }
        }
        return try body()
    }

    /// Runs `flush` on `loop`: now, or at the end of this thread's batch when one runs.
    static func schedule(on loop: any EventLoop, _ flush: @escaping @Sendable () -> Void) {
        guard let batch = current.currentValue else {
            loop.execute(flush)
            return
        }
        let key = ObjectIdentifier(loop)
        if let index = batch.indexByLoop[key] {
            batch.pending[index].flushes.append(flush)
        } else {
            batch.indexByLoop[key] = batch.pending.count
            batch.pending.append((loop, [flush]))
        }
    }
}
