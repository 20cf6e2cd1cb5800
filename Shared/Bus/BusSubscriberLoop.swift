import Logging
import Synchronization
import ZeroMQ

/// The subscriber's socket thread: owns the SUB, DEALER and monitor sockets and runs the Clone
/// join (see `docs/bus-protocol.md`, "Joining").
final class BusSubscriberLoop: @unchecked Sendable {
    private enum Phase {
        /// Fetching a snapshot; live records are buffered meanwhile.
        case joining
        /// Delivering live records after `lastSequence` of `epoch`.
        case live(epoch: UInt64, lastSequence: UInt64)
    }

    /// Live messages read per turn before the other sockets get a look.
    private static let liveReadBatch = 1024

    private let configuration: BusSubscriber.Configuration
    private let context: ZMQContext
    private let events: AsyncStream<BusSubscriberEvent>.Continuation
    private let presence: AsyncStream<BusPresence>.Continuation
    private let logger: Logger
    private let wakeup: WakeupEvent
    private let stopRequested = Atomic<Bool>(false)
    let malformedMessages = Atomic<Int>(0)

    // Socket thread only.
    private let live: ZMQSocket
    private let liveMonitor: ZMQSocket
    private var snapshotSocket: ZMQSocket
    private var phase = Phase.joining
    private var joinReason = BusSyncReason.initial
    private var liveConnected = false
    private var requestSentAt: ContinuousClock.Instant?
    private var retryAt: ContinuousClock.Instant?
    private var retryDelay = Duration.milliseconds(100)
    /// Whether anything live was applied since the last snapshot; a resync before that is backed off.
    private var progressedSinceSnapshot = true
    private var started = ContinuousClock.now
    private var buffered: [BusRecord] = []
    private var snapshotRecords: [BusRecord] = []
    /// The current SNAPSHOT reply's GAPs: partitions that restarted while the publisher ran.
    private var snapshotGaps: [BusReplayGap] = []
    /// The most GAPs a SNAPSHOT reply may carry (one per restarted partition).
    static let maximumSnapshotGaps = 65_536
    /// Events the consumer's buffer could not take yet; while non-empty no live input is read.
    private var pending: [BusSubscriberEvent] = []
    private var pendingHead = 0
    private var consumerGone = false
    /// Live records applied but not yet handed out (see ``deliverLive(_:)``).
    private var liveBatch: [BusRecord] = []

    init(
        configuration: BusSubscriber.Configuration, context: ZMQContext,
        events: AsyncStream<BusSubscriberEvent>.Continuation,
        presence: AsyncStream<BusPresence>.Continuation, logger: Logger
    ) throws(ZMQError) {
        self.configuration = configuration
        self.context = context
        self.events = events
        self.presence = presence
        self.logger = logger
        wakeup = try WakeupEvent()
        live = try ZMQSocket(context: context, type: .sub)
        try live.setReceiveHighWaterMark(configuration.receiveHighWaterMark)
        try configuration.security.applyAsClient(live)
        let prefixes: Set<String> = switch configuration.filtering {
        case .inProcess: [""]
        case .socket: Set(configuration.topicPrefixes)
        }
        for prefix in prefixes {
            try live.subscribe(prefix)
            // This subscriber reads packs (version 3): the publisher may send them.
            try live.subscribe(BusSubscriptionCensus.packsAnnouncement(for: Array(prefix.utf8)))
        }
        liveMonitor = try live.startMonitor(
            endpoint: "inproc://bus-subscriber-monitor-\(UInt64.random(in: 0...UInt64.max))",
            events: Int32(ZMQMonitorEvent.handshakeSucceeded) | Int32(ZMQMonitorEvent.disconnected))
        try live.connect(configuration.publisherEndpoint)
        snapshotSocket = try BusSnapshotClient.makeSocket(endpoint: configuration.snapshotEndpoint, context: context,
                                                           security: configuration.security)
    }

    /// Asks the thread to finish (from any thread).
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        wakeup.signal()
    }

    /// The thread body.
    func run() {
        started = .now
        do {
            while !stopRequested.load(ordering: .acquiring) && !consumerGone {
                // Rebuilt each turn: the DEALER is replaced after a failed request. Cheap, since
                // each turn handles up to a batch of messages.
                var poller = ZMQPoller()
                let liveIndex = poller.add(live, events: .readable)
                let monitorIndex = poller.add(liveMonitor, events: .readable)
                let snapshotIndex = poller.add(snapshotSocket, events: .readable)
                poller.add(fileDescriptor: wakeup.fileDescriptor, events: .readable)
                _ = try poller.poll(timeout: nextTimeout())
                wakeup.drain()
                if poller.isReadable(monitorIndex) { readMonitor() }
                if flushPending() {
                    if poller.isReadable(snapshotIndex) || requestSentAt != nil { try readSnapshotReplies() }
                    if poller.isReadable(liveIndex) { try readLive() }
                }
                if case .joining = phase { try maybeRequestSnapshot() }
            }
        } catch {
            if !error.isContextTerminated {
                logger.error("bus subscriber socket failed", metadata: ["error": "\(error)"])
            }
        }
        events.finish()
        presence.finish()
        live.close()
        liveMonitor.close()
        snapshotSocket.close()
    }

    // MARK: Timing

    private func nextTimeout() -> Duration {
        if pendingHead < pending.count { return .milliseconds(2) }  // consumer full: retry soon
        guard case .joining = phase else { return .seconds(1) }
        let now = ContinuousClock.now
        if let requestSentAt {
            return max(.zero, now.duration(to: requestSentAt.advanced(by: configuration.snapshotTimeout)))
        }
        if let retryAt { return max(.zero, now.duration(to: retryAt)) }
        if !liveConnected { return max(.zero, now.duration(to: started.advanced(by: configuration.handshakeGrace))) }
        return .zero
    }

    // MARK: Delivery

    /// Tries to hand waiting events to the consumer; `true` when none are left waiting.
    private func flushPending() -> Bool {
        while pendingHead < pending.count {
            switch events.yield(pending[pendingHead]) {
            case .enqueued:
                pendingHead += 1
            case .dropped:
                return false
            case .terminated:
                consumerGone = true
                return false
            @unknown default:
                return false
            }
        }
        pending.removeAll(keepingCapacity: true)
        pendingHead = 0
        return true
    }

    /// Queues an event after any live records collected so far.
    private func deliver(_ event: BusSubscriberEvent) {
        flushLiveBatch()
        pending.append(event)
        _ = flushPending()
    }

    /// Collects a live record; records go out in batches (one event per read turn), which keeps
    /// the cost of the stream per record low.
    private func deliverLive(_ record: BusRecord) {
        liveBatch.append(record)
    }

    private func flushLiveBatch() {
        guard !liveBatch.isEmpty else { return }
        pending.append(.records(liveBatch))
        liveBatch = []
        liveBatch.reserveCapacity(Self.liveReadBatch)
        _ = flushPending()
    }

    // MARK: Live records

    private func readMonitor() {
        while let frames = try? liveMonitor.receiveMultipart(dontWait: true) {
            guard let event = ZMQMonitorEvent(frames: frames) else { continue }
            if event.rawEvent == ZMQMonitorEvent.handshakeSucceeded {
                liveConnected = true
            } else if event.rawEvent == ZMQMonitorEvent.disconnected {
                liveConnected = false
            }
        }
    }

    private func readLive() throws(ZMQError) {
        defer { flushLiveBatch() }
        for _ in 0..<Self.liveReadBatch {
            // Stop reading while the consumer is full: the queue then backs up into libzmq.
            // A turn also ends once it holds a batch's worth of records (packs carry many).
            guard pendingHead == pending.count, liveBatch.count < Self.liveReadBatch else { return }
            guard let frames = try live.receiveMultipart(dontWait: true) else { return }
            if BusPresence.isPresence(frames) {
                do {
                    presence.yield(try BusPresence(frames: frames))
                } catch {
                    malformedMessages.add(1, ordering: .relaxed)
                    logger.warning("dropping malformed bus presence message", metadata: ["error": "\(error)"])
                }
                continue
            }
            if BusHeartbeat.isHeartbeat(frames) {
                do {
                    handleHeartbeat(try BusHeartbeat(frames: frames))
                } catch {
                    malformedMessages.add(1, ordering: .relaxed)
                    logger.warning("dropping malformed bus heartbeat", metadata: ["error": "\(error)"])
                }
                continue
            }
            if BusRecordPack.isPack(frames) {
                do {
                    for record in try BusRecordPack.records(from: frames) { handleLive(record) }
                } catch {
                    malformedMessages.add(1, ordering: .relaxed)
                    logger.warning("dropping malformed bus record pack", metadata: ["error": "\(error)"])
                }
                continue
            }
            let record: BusRecord
            do {
                record = try BusRecord(liveFrames: frames)
            } catch {
                malformedMessages.add(1, ordering: .relaxed)
                logger.warning("dropping malformed bus message", metadata: ["error": "\(error)"])
                continue
            }
            handleLive(record)
        }
    }

    private func handleHeartbeat(_ heartbeat: BusHeartbeat) {
        // While joining, the snapshot's END decides; heartbeats add nothing.
        guard case let .live(epoch, lastSequence) = phase else { return }
        if heartbeat.epoch != epoch {
            startJoin(.epochChanged(from: epoch, to: heartbeat.epoch), keeping: nil)
        } else if configuration.filtering == .inProcess && heartbeat.sequence > lastSequence {
            // Messages up to heartbeat.sequence were published but never arrived.
            startJoin(.sequenceGap(expected: lastSequence &+ 1, received: heartbeat.sequence), keeping: nil)
        }
    }

    private func handleLive(_ record: BusRecord) {
        switch phase {
        case .joining:
            if buffered.count >= configuration.joinBufferLimit {
                // The snapshot takes too long for the live rate: start over with a fresh request.
                buffered.removeAll()
                restartJoin(.bufferOverflow)
            }
            buffered.append(record)
        case let .live(epoch, lastSequence):
            if record.epoch != epoch {
                startJoin(.epochChanged(from: epoch, to: record.epoch), keeping: record)
                return
            }
            let expected = lastSequence &+ 1
            switch configuration.filtering {
            case .inProcess:
                if record.sequence == expected {
                    phase = .live(epoch: epoch, lastSequence: record.sequence)
                    progressedSinceSnapshot = true
                    if configuration.matches(record.topic) { deliverLive(record) }
                } else if record.sequence > expected {
                    startJoin(.sequenceGap(expected: expected, received: record.sequence), keeping: record)
                }
                // Older sequences were already covered: drop them.
            case .socket:
                // Only some sequences reach this subscriber: they must grow, gaps are expected.
                if record.sequence > lastSequence {
                    phase = .live(epoch: epoch, lastSequence: record.sequence)
                    progressedSinceSnapshot = true
                    deliverLive(record)
                }
            }
        }
    }

    // MARK: Joining

    private func startJoin(_ reason: BusSyncReason, keeping record: BusRecord?) {
        logger.info("bus subscriber resynchronising", metadata: ["reason": "\(reason)"])
        phase = .joining
        joinReason = reason
        if progressedSinceSnapshot {
            retryDelay = .milliseconds(100)
        } else {
            // Lost sync again before anything was applied: do not hammer the server.
            retryAt = ContinuousClock.now.advanced(by: retryDelay)
            retryDelay = min(retryDelay * 2, .seconds(5))
        }
        buffered.removeAll(keepingCapacity: true)
        if let record { buffered.append(record) }
        clearSnapshot()
        deliver(.resync(reason))
    }

    /// Abandons the current snapshot request (if any) so a new one is sent.
    private func restartJoin(_ reason: BusSyncReason) {
        joinReason = reason
        if requestSentAt != nil {
            requestSentAt = nil
            replaceSnapshotSocket()
        }
        clearSnapshot()
        deliver(.resync(reason))
    }

    /// Sends the SNAPSHOT request when due, and handles its timeout.
    private func maybeRequestSnapshot() throws(ZMQError) {
        let now = ContinuousClock.now
        if let sentAt = requestSentAt {
            guard now >= sentAt.advanced(by: configuration.snapshotTimeout) else { return }
            // Timed out: a late reply must not mix into the next one, so use a new socket.
            requestSentAt = nil
            replaceSnapshotSocket()
            failJoin("no reply from \(configuration.snapshotEndpoint) within \(configuration.snapshotTimeout)")
            return
        }
        if let retryAt, now < retryAt { return }
        // On the first join, let the live subscription reach the publisher first (or give up
        // waiting after the grace period: a resync repairs a late subscription).
        if !liveConnected && now < started.advanced(by: configuration.handshakeGrace) { return }
        retryAt = nil
        clearSnapshot()
        guard try snapshotSocket.send(BusRequest.snapshot(topicPrefix: configuration.snapshotPrefix).frames, dontWait: true) else {
            failJoin("cannot queue the SNAPSHOT request to \(configuration.snapshotEndpoint)")
            return
        }
        requestSentAt = now
    }

    private func replaceSnapshotSocket() {
        snapshotSocket.close()
        do {
            snapshotSocket = try BusSnapshotClient.makeSocket(endpoint: configuration.snapshotEndpoint, context: context,
                                                           security: configuration.security)
        } catch {
            logger.error("cannot reconnect to the snapshot server", metadata: ["error": "\(error)"])
        }
    }

    private func failJoin(_ reason: String) {
        logger.warning("bus snapshot failed", metadata: ["reason": "\(reason)", "retry in": "\(retryDelay)"])
        clearSnapshot()
        retryAt = ContinuousClock.now.advanced(by: retryDelay)
        retryDelay = min(retryDelay * 2, .seconds(5))
        joinReason = .snapshotFailed(reason)
        deliver(.resync(joinReason))
    }

    private func readSnapshotReplies() throws(ZMQError) {
        guard requestSentAt != nil else {
            // Nothing asked: discard strays.
            while try snapshotSocket.receiveMultipart(dontWait: true) != nil {}
            return
        }
        while let frames = try snapshotSocket.receiveMultipart(dontWait: true) {
            let reply: BusReply
            do {
                reply = try BusReply(frames: frames)
            } catch {
                requestSentAt = nil
                replaceSnapshotSocket()
                failJoin("invalid reply: \(error)")
                return
            }
            switch reply {
            case let .record(record):
                if configuration.matches(record.topic) { snapshotRecords.append(record) }
            case let .gap(gap):
                // A partition that restarted while the publisher ran (its topic was recreated).
                guard gap.kind == .rewound, snapshotGaps.count < Self.maximumSnapshotGaps else {
                    requestSentAt = nil
                    replaceSnapshotSocket()
                    failJoin("invalid reply: a SNAPSHOT reply's GAPs are rewound partitions, at most \(Self.maximumSnapshotGaps)")
                    return
                }
                if configuration.matches(gap.topic) { snapshotGaps.append(gap) }
            case let .error(message):
                requestSentAt = nil
                failJoin("server error: \(message)")
                return
            case let .end(marker):
                requestSentAt = nil
                completeJoin(marker)
                return
            }
        }
    }

    private func clearSnapshot() {
        snapshotRecords.removeAll()
        snapshotGaps.removeAll()
    }

    private func completeJoin(_ end: BusEndMarker) {
        progressedSinceSnapshot = false
        let snapshot = BusSnapshot(records: snapshotRecords, end: end, gaps: snapshotGaps)
        snapshotRecords = []
        snapshotGaps = []
        phase = .live(epoch: end.epoch, lastSequence: end.sequence)
        deliver(.snapshot(snapshot, reason: joinReason))
        // Replay what arrived meanwhile. Records of another run that precede the first record of
        // the snapshot's epoch are stale (sent before the restart the snapshot already reflects).
        let backlog = buffered.drop { $0.epoch != end.epoch }
        buffered = []
        for record in backlog {
            handleLive(record)
        }
        flushLiveBatch()
    }
}
