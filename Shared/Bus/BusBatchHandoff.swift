import Dispatch
import Synchronization

/// Hands batches from a reading thread to an async consumer one at a time: the thread waits until
/// the consumer has applied each batch (or gave up), so at most one batch is in flight.
final class BusBatchHandoff: Sendable {
    private let applied = DispatchSemaphore(value: 0)
    private let abandoned = Atomic(false)

    /// On the reading thread: waits until the batch just handed over is applied; throws
    /// `CancellationError` when the consumer gave up.
    func waitUntilApplied() throws {
        applied.wait()
        if abandoned.load(ordering: .acquiring) { throw CancellationError() }
    }

    /// On the consumer: the batch is applied.
    func markApplied() { applied.signal() }

    /// On the consumer: no more batches are wanted; releases the reading thread.
    func abandon() {
        abandoned.store(true, ordering: .releasing)
        applied.signal()
    }
}
