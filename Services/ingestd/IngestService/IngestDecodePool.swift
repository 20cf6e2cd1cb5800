import Bus
import Foundation
import Kafka

/// Decodes consumed messages on dedicated threads, several chunks at once, and hands the results
/// back in the order the messages were submitted.
///
/// The consumer thread submits each poll's messages (``submit(_:)``), cut into chunks of at most
/// ``chunkSize``; `threads` worker threads take chunks in turn and decode them, so chunks finish
/// in any order; ``takeReady(waitingUpTo:)`` returns the decoded chunks in submission order
/// (``DecodeReorderBuffer``), so records of every partition leave in Kafka's order. Decoding
/// blocks only these dedicated threads (a registry schema fetch included), never Swift's pool.
///
/// Submitting and taking belong to one thread (the consumer thread); the workers share only the
/// state under `condition`. Work is decided under the lock and done after releasing it. The
/// worker threads keep the pool alive: its owner calls ``close()`` when done with it, which
/// returns once every worker has ended and let go of the pool.
final class IngestDecodePool: @unchecked Sendable {
    /// Messages per chunk: big enough that a handoff costs little per record, small enough that
    /// one poll's messages spread over every thread.
    let chunkSize: Int
    /// Batches of at most this many messages are decoded by the submitting thread when nothing
    /// else is outstanding (0: never).
    let inlineLimit: Int
    /// Decodes on the submitting thread without blocking, or returns nil (the workers then do it).
    private let decodeInline: @Sendable (KafkaMessageBatch, Range<Int>) -> [DecodedMessage]?

    private struct Job {
        var ticket: Int
        var batch: KafkaMessageBatch
        var range: Range<Int>
    }

    private struct State {
        /// Chunks waiting for a worker, oldest first (a few dozen at most: the consumer thread
        /// bounds what is outstanding).
        var jobs: [Job] = []
        var results = DecodeReorderBuffer<[DecodedMessage]>()
        /// Messages submitted whose decoded chunk was not taken yet.
        var outstandingMessages = 0
        var stopping = false
    }

    private let condition = NSCondition()
    /// Guarded by `condition`.
    private var state = State()
    private let decodeChunk: @Sendable (KafkaMessageBatch, Range<Int>) -> [DecodedMessage]
    /// Set in `init`, then read only by ``close()``.
    private var workers: [DedicatedThread.Handle] = []

    /// Starts `threads` worker threads named `name-1`, `name-2`, ..., decoding each message with
    /// `decode`.
    convenience init(threads: Int, chunkSize: Int = 256, inlineLimit: Int = 0, name: String = "ingest-decode",
                     decode: @escaping @Sendable (KafkaMessage) -> DecodedMessage) {
        let decodeChunk: @Sendable (KafkaMessageBatch, Range<Int>) -> [DecodedMessage] = { batch, range in
            range.map { decode(batch.message(at: $0)) }
        }
        self.init(threads: threads, chunkSize: chunkSize, inlineLimit: inlineLimit, name: name,
                  decodeChunk: decodeChunk, decodeInline: decodeChunk)
    }

    /// Starts `threads` worker threads named `name-1`, `name-2`, ..., decoding each chunk (the
    /// records of a range of a batch) with `decodeChunk`, which returns one result per record, in
    /// order. Small batches (``inlineLimit``) are first tried with `decodeInline`, which must not
    /// block: nil sends them to the workers.
    init(threads: Int, chunkSize: Int = 256, inlineLimit: Int = 0, name: String = "ingest-decode",
         decodeChunk: @escaping @Sendable (KafkaMessageBatch, Range<Int>) -> [DecodedMessage],
         decodeInline: @escaping @Sendable (KafkaMessageBatch, Range<Int>) -> [DecodedMessage]? = { _, _ in nil }) {
        precondition(threads >= 1 && chunkSize >= 1 && inlineLimit >= 0)
        self.chunkSize = chunkSize
        self.inlineLimit = inlineLimit
        self.decodeInline = decodeInline
        self.decodeChunk = decodeChunk
        workers = (1...threads).map { index in DedicatedThread.start(name: "\(name)-\(index)") { [self] in work() } }
    }

    /// Messages submitted whose decoded results were not taken yet.
    var outstandingMessages: Int {
        condition.lock()
        defer { condition.unlock() }
        return state.outstandingMessages
    }

    /// Hands `messages` (in consumption order) to the workers. Never blocks on decoding.
    func submit(_ messages: [KafkaMessage]) {
        submit(KafkaMessageBatch(copying: messages))
    }

    /// Hands a poll's records (in consumption order) to the workers, in chunks of at most
    /// ``chunkSize``. Never blocks on decoding, except that a batch of at most ``inlineLimit``
    /// records while nothing else is outstanding is decoded right here when that needs no wait: at
    /// low rates a poll holds a few records, and two thread hand-offs (here to a worker and back)
    /// cost more than decoding them, in latency most of all on a busy machine.
    func submit(_ batch: KafkaMessageBatch) {
        guard batch.count > 0 else { return }
        condition.lock()
        if batch.count <= inlineLimit && state.outstandingMessages == 0 {
            let ticket = state.results.submit()
            state.outstandingMessages += batch.count
            condition.unlock()
            let decoded = decodeInline(batch, 0..<batch.count)
            condition.lock()
            if let decoded {
                state.results.complete(ticket, with: decoded)
            } else {  // it would block (a registry schema to load): a worker waits instead
                state.jobs.append(Job(ticket: ticket, batch: batch, range: 0..<batch.count))
                condition.broadcast()
            }
            condition.unlock()
            return
        }
        var start = 0
        while start < batch.count {
            let end = min(start + chunkSize, batch.count)
            state.jobs.append(Job(ticket: state.results.submit(), batch: batch, range: start..<end))
            start = end
        }
        state.outstandingMessages += batch.count
        condition.broadcast()
        condition.unlock()
    }

    /// The decoded chunks ready in submission order (each chunk's messages in order), possibly
    /// none. With `timeout`, waits up to that long for the oldest chunk when it is not decoded
    /// yet (never when nothing is outstanding).
    func takeReady(waitingUpTo timeout: Duration? = nil) -> [[DecodedMessage]] {
        condition.lock()
        if let timeout, state.outstandingMessages > 0, !state.results.hasReady {
            let deadline = Date(timeIntervalSinceNow: Double(timeout.components.seconds)
                + Double(timeout.components.attoseconds) / 1e18)
            while !state.results.hasReady && condition.wait(until: deadline) {}
        }
        let ready = state.results.takeReady()
        for chunk in ready { state.outstandingMessages -= chunk.count }
        condition.unlock()
        return ready
    }

    /// Stops the workers once the chunks already submitted are decoded and waits for them to end.
    /// Idempotent; called from the thread that submits.
    func close() {
        condition.lock()
        state.stopping = true
        condition.broadcast()
        condition.unlock()
        for worker in workers { worker.join() }
        workers = []
    }

    private func work() {
        condition.lock()
        while true {
            while state.jobs.isEmpty && !state.stopping { condition.wait() }
            guard !state.jobs.isEmpty else { break }  // stopping, nothing left
            let job = state.jobs.removeFirst()
            condition.unlock()

            let decoded = decodeChunk(job.batch, job.range)

            condition.lock()
            state.results.complete(job.ticket, with: decoded)
            condition.broadcast()
        }
        condition.unlock()
    }
}
