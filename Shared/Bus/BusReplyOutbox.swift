import Synchronization
import ZeroMQ

/// Hands writers with queued replies to the snapshot server's socket thread and wakes it.
final class BusReplyOutbox: Sendable {
    private struct State {
        var ready: [BusReplyWriter] = []
        var closed = false
    }

    private let state = Mutex(State())
    let wakeup: WakeupEvent

    init() throws(ZMQError) {
        wakeup = try WakeupEvent()
    }

    /// Queues `writer` for the socket thread; `false` once the server stopped.
    func schedule(_ writer: BusReplyWriter) -> Bool {
        let accepted = state.withLock { state in
            if state.closed { return false }
            state.ready.append(writer)
            return true
        }
        if accepted { wakeup.signal() }
        return accepted
    }

    /// Takes the writers scheduled since the last call (socket thread only).
    func takeReady() -> [BusReplyWriter] {
        state.withLock { state in
            let ready = state.ready
            state.ready.removeAll(keepingCapacity: true)
            return ready
        }
    }

    /// Refuses further scheduling and returns what was still waiting.
    func close() -> [BusReplyWriter] {
        state.withLock { state in
            state.closed = true
            let ready = state.ready
            state.ready = []
            return ready
        }
    }
}
