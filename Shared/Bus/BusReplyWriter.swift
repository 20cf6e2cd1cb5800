import Synchronization

/// Sends the reply to one snapshot-server request: any number of records, then exactly one
/// ``finish(_:)`` (END) or ``fail(_:)`` (ERROR).
///
/// Safe to use from any task or thread: messages are queued and the server's socket thread sends
/// them. Sending suspends while this request already has `maxQueuedReplies` messages waiting
/// (backpressure for large replays); it throws ``BusReplyWriterError/clientDisconnected`` when the
/// client went away, ``BusReplyWriterError/serverStopped`` on shutdown, and `CancellationError`
/// if the waiting task is cancelled.
public final class BusReplyWriter: Sendable {
    struct State {
        var queue: [[[UInt8]]] = []
        var head = 0
        /// Whether the writer is in the socket thread's hands (queued in the outbox or active).
        var scheduled = false
        /// END or ERROR was queued.
        var finished = false
        /// The final message was handed to the socket.
        var completed = false
        var failure: BusReplyWriterError?
        var waiter: CheckedContinuation<Void, any Error>?

        var count: Int { queue.count - head }
    }

    /// The ROUTER identity of the requesting client.
    let identity: [UInt8]
    private let outbox: BusReplyOutbox
    private let maxQueuedReplies: Int
    let state = Mutex(State())

    init(identity: [UInt8], outbox: BusReplyOutbox, maxQueuedReplies: Int) {
        self.identity = identity
        self.outbox = outbox
        self.maxQueuedReplies = max(1, maxQueuedReplies)
    }

    /// Queues a `RECORD` reply.
    public func send(_ record: BusRecord) async throws {
        var frames: [[UInt8]] = [identity, BusReply.recordCommand]
        frames.reserveCapacity(7)
        frames.append(Array(record.topic.utf8))
        frames.append(record.headerFrame)
        frames.append(record.key ?? [])
        frames.append(record.value ?? [])
        if !record.headers.isEmpty { frames.append(record.headersFrame) }
        try await enqueue(frames, final: false)
    }

    /// Queues a `GAP` reply: records of a REPLAY that Kafka no longer holds (before that
    /// partition's records).
    public func send(_ gap: BusReplayGap) async throws {
        try await enqueue([identity, BusReply.gapCommand] + [Array(gap.topic.utf8), gap.payload], final: false)
    }

    /// Queues the `END` marker: the reply is complete and consistent with `marker.sequence`.
    public func finish(_ marker: BusEndMarker) async throws {
        try await enqueue([identity, BusReply.endCommand, marker.frame], final: true)
    }

    /// Queues an `ERROR` reply instead of END.
    public func fail(_ error: BusServerError) async throws {
        try await enqueue([identity] + error.frames, final: true)
    }

    /// Queues an `ERROR` reply instead of END.
    public func fail(_ code: BusErrorCode, _ message: String) async throws {
        try await fail(BusServerError(code, message))
    }

    /// Whether END or ERROR was queued.
    public var isFinished: Bool { state.withLock { $0.finished } }

    private func enqueue(_ frames: [[UInt8]], final: Bool) async throws {
        while true {
            enum Step { case queued(schedule: Bool), wait, fail(BusReplyWriterError) }
            let step: Step = state.withLock { state in
                if let failure = state.failure { return .fail(failure) }
                if state.finished { return .fail(.alreadyFinished) }
                // The final message is never held back, so a handler can always finish.
                guard final || state.count < maxQueuedReplies else { return .wait }
                state.queue.append(frames)
                if final { state.finished = true }
                if state.scheduled { return .queued(schedule: false) }
                state.scheduled = true
                return .queued(schedule: true)
            }
            switch step {
            case let .queued(schedule):
                if schedule && !outbox.schedule(self) {
                    cancel(.serverStopped)
                    throw BusReplyWriterError.serverStopped
                }
                return
            case let .fail(error):
                throw error
            case .wait:
                try await waitForRoom()
            }
        }
    }

    private func waitForRoom() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if state.failure != nil || state.count < maxQueuedReplies || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            try Task.checkCancellation()
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    // MARK: Socket thread side

    /// The next message to send, or `nil` when the queue is empty (then the writer is no longer
    /// scheduled, and the next enqueue schedules it again). `isFinal` marks END/ERROR.
    func nextMessage() -> (frames: [[UInt8]], isFinal: Bool)? {
        let (message, waiter): ((frames: [[UInt8]], isFinal: Bool)?, CheckedContinuation<Void, any Error>?) =
            state.withLock { state in
                guard state.count > 0 else {
                    state.scheduled = false
                    state.queue.removeAll(keepingCapacity: false)
                    state.head = 0
                    return (nil, nil)
                }
                let frames = state.queue[state.head]
                state.queue[state.head] = []
                state.head += 1
                let isFinal = state.finished && state.count == 0
                if isFinal { state.completed = true }
                if state.head > 1024 && state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                var waiter: CheckedContinuation<Void, any Error>?
                if state.count < maxQueuedReplies / 2 + 1 {
                    waiter = state.waiter
                    state.waiter = nil
                }
                return ((frames, isFinal), waiter)
            }
        waiter?.resume()
        return message
    }

    /// Puts back a message the socket could not take yet (peer queue full).
    func pushBack(_ frames: [[UInt8]]) {
        state.withLock { state in
            if state.head > 0 {
                state.head -= 1
                state.queue[state.head] = frames
            } else {
                state.queue.insert(frames, at: 0)
            }
            state.completed = false
        }
    }

    /// Drops everything queued and makes further sends throw `error`.
    func cancel(_ error: BusReplyWriterError) {
        let waiter = state.withLock { state in
            if state.failure == nil && !state.completed { state.failure = error }
            state.queue = []
            state.head = 0
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(throwing: error)
    }
}
