import Bus
import Synchronization

/// Bounds concurrent REPLAY requests: each replay holds a librdkafka client (threads, sockets,
/// buffers), so at most `maximumRunning` run at once, up to `maximumQueued` more wait their
/// turn in arrival order, and any beyond that are refused at once.
final class ReplayLimiter: Sendable {
    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }

    private let state = Mutex(State())
    let maximumRunning: Int
    let maximumQueued: Int

    init(maximumRunning: Int, maximumQueued: Int) {
        self.maximumRunning = max(1, maximumRunning)
        self.maximumQueued = max(0, maximumQueued)
    }

    /// Replays running now.
    var running: Int { state.withLock { $0.running } }

    /// Waits for a turn; pair every successful call with one ``release()``.
    /// - Throws: ``BusRequestRefusal`` when the queue is full.
    func acquire() async throws(BusRequestRefusal) {
        let (maximumRunning, maximumQueued) = (self.maximumRunning, self.maximumQueued)
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            enum Decision { case run, queued, refuse }
            let decision: Decision = state.withLock { state in
                if state.running < maximumRunning {
                    state.running += 1
                    return .run
                }
                guard state.waiters.count < maximumQueued else { return .refuse }
                state.waiters.append(continuation)
                return .queued
            }
            switch decision {
            case .run: continuation.resume(returning: true)
            case .refuse: continuation.resume(returning: false)
            case .queued: break
            }
        }
        guard granted else {
            throw BusRequestRefusal(limit: "replays", reason:
                "too many replays: \(maximumRunning) running and \(maximumQueued) queued (BUS_MAX_CONCURRENT_REPLAYS, BUS_MAX_QUEUED_REPLAYS); retry later")
        }
    }

    /// Ends a turn: the next queued replay (if any) takes it.
    func release() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if state.waiters.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume(returning: true)
    }
}
