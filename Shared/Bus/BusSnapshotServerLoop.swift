import Logging
import Synchronization
import ZeroMQ

/// The snapshot server's socket thread: the only code that touches the ROUTER socket.
final class BusSnapshotServerLoop: @unchecked Sendable {
    /// A decoded request with the writer for its reply.
    struct IncomingRequest: Sendable {
        let request: BusRequest
        let writer: BusReplyWriter
    }

    /// At most this many messages are sent to one client before the others get a turn.
    private static let fairnessBatch = 256
    /// At most this many requests are read in one turn.
    private static let intakeBatch = 64

    // Touched only by the socket thread.
    private let socket: ZMQSocket
    private var active: [BusReplyWriter] = []

    // Thread-safe.
    private let outbox: BusReplyOutbox
    private let requests: AsyncStream<IncomingRequest>.Continuation
    private let stopRequested = Atomic<Bool>(false)
    private let counters: BusSnapshotServerCounters
    private let maxQueuedReplies: Int
    private let logger: Logger

    init(
        socket: ZMQSocket, outbox: BusReplyOutbox, requests: AsyncStream<IncomingRequest>.Continuation,
        counters: BusSnapshotServerCounters, maxQueuedReplies: Int, logger: Logger
    ) {
        self.socket = socket
        self.outbox = outbox
        self.requests = requests
        self.counters = counters
        self.maxQueuedReplies = maxQueuedReplies
        self.logger = logger
    }

    /// Asks the thread to finish (from any thread).
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        outbox.wakeup.signal()
    }

    /// The thread body: returns after ``stop()`` or a fatal socket error.
    func run() {
        var poller = ZMQPoller()
        let socketIndex = poller.add(socket, events: .readable)
        poller.add(fileDescriptor: outbox.wakeup.fileDescriptor, events: .readable)
        var progress = FlushProgress.idle
        do {
            while !stopRequested.load(ordering: .acquiring) {
                let timeout: Duration
                switch progress {
                case .idle: timeout = .seconds(1)  // writers signal the wakeup event
                case .moreQueued: timeout = .zero  // a writer used up its turn: continue at once
                case .blocked: timeout = .milliseconds(5)  // a full peer gives no readiness signal
                }
                _ = try poller.poll(timeout: timeout)
                outbox.wakeup.drain()
                if poller.isReadable(socketIndex) || progress != .idle { try readRequests() }
                active.append(contentsOf: outbox.takeReady())
                progress = try flushReplies()
            }
        } catch {
            if !error.isContextTerminated {
                logger.error("snapshot server socket failed", metadata: ["error": "\(error)"])
            }
        }
        for writer in outbox.close() + active { writer.cancel(.serverStopped) }
        active = []
        requests.finish()
        socket.close()
    }

    private func readRequests() throws(ZMQError) {
        for _ in 0..<Self.intakeBatch {
            guard var frames = try socket.receiveMultipart(dontWait: true) else { return }
            let identity = frames.removeFirst()
            do {
                let request = try BusRequest(frames: frames)
                counters.received.add(1, ordering: .relaxed)
                let writer = BusReplyWriter(identity: identity, outbox: outbox, maxQueuedReplies: maxQueuedReplies)
                requests.yield(IncomingRequest(request: request, writer: writer))
            } catch {
                counters.malformed.add(1, ordering: .relaxed)
                logger.debug("malformed bus request", metadata: ["error": "\(error)"])
                // Best effort: a client gone or full does not get its ERROR.
                do {
                    if try socket.send([identity] + BusReply.error(BusServerError(.malformedRequest, error.description)).frames, dontWait: true) {
                        counters.served.add(1, ordering: .relaxed)
                    }
                } catch where error.isHostUnreachable {
                    continue
                }
            }
        }
    }

    private enum FlushProgress { case idle, moreQueued, blocked }

    /// Sends queued replies round-robin, a batch per client and turn.
    private func flushReplies() throws(ZMQError) -> FlushProgress {
        var progress = FlushProgress.idle
        var index = 0
        while index < active.count {
            let writer = active[index]
            var keep = true
            for _ in 0..<Self.fairnessBatch {
                guard let (frames, isFinal) = writer.nextMessage() else {
                    keep = false
                    break
                }
                do {
                    if try socket.send(frames, dontWait: true) {
                        if isFinal {
                            counters.served.add(1, ordering: .relaxed)
                            keep = false
                            break
                        }
                    } else {
                        writer.pushBack(frames)
                        progress = .blocked
                        break
                    }
                } catch where error.isHostUnreachable {
                    writer.cancel(.clientDisconnected)
                    keep = false
                    break
                }
            }
            if keep {
                if progress == .idle { progress = .moreQueued }
                index += 1
            } else {
                active.remove(at: index)
            }
        }
        return progress
    }
}
