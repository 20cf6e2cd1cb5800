import NIOCore

/// The decisions of one Engine.IO session, without I/O: its transport (polling, upgrading,
/// WebSocket), its bounded outbound queue, the poll it holds, its heartbeat deadlines and its
/// close. Every input is a method that changes the state and returns what the session must do
/// (answer a poll, write frames, schedule a check, close), which ``EngineSession`` then does after
/// releasing its lock. Time comes in as arguments (the session passes its event loop's `now`, so
/// tests on an embedded loop run on virtual time).
///
/// Generic over the WebSocket link and the poll request so it can be driven by tests with plain
/// objects; links are told apart by identity, polls by ``EnginePollIdentity``.
struct EngineSessionStateMachine<Link: AnyObject, Poll: EnginePollIdentity> {
    /// Which connection carries the session's packets to the client.
    enum Transport {
        case polling
        /// A WebSocket for the session is probing; polling still carries packets.
        case upgrading(Link)
        case webSocket(Link)
    }

    /// Something to send, encoded for the transport it is queued on.
    enum Outbound {
        /// Messages and their payload size (bytes plus one per message).
        case messages([EngineMessage], byteCount: Int)
        /// Messages encoded once for many sessions (the fan-out path).
        case shared(SharedEngineMessages)
        /// A control packet (ping, pong, noop).
        case packet(EnginePacket)
        /// A ready WebSocket frame (the pong to a WebSocket ping); nothing on polling.
        case webSocketFrame(ByteBuffer)
    }

    /// Where queued packets go out once queued.
    enum Flush {
        case webSocket(Link)
        case polling
    }

    /// The outcome of ``enqueue(_:)``.
    enum Enqueued {
        /// The session is closed: nothing was queued.
        case closed
        /// The bound would be exceeded: nothing was queued, the session must close as a slow
        /// consumer. Carries what was queued, for the log.
        case overLimit(queuedMessages: Int, queuedBytes: Int)
        /// Queued; `flush`, when set, must be scheduled (it was not yet).
        case queued(flush: Flush?)
    }

    /// The next step of draining the WebSocket queue (``nextWebSocketWrite(on:isWritable:now:into:)``).
    enum WebSocketWrite {
        /// Nothing to write now (empty, closed, not the transport, or not writable: the
        /// writability change resumes it).
        case done
        /// The queued frames were moved into the drain buffer: write them, flush, ask again.
        case writeDrained
        /// Paced mode: write this one unit; when `nextIn` is set, ask again after it.
        case writePaced(ByteBuffer, nextIn: TimeAmount?)
        /// Paced mode: ask again after this wait.
        case retry(in: TimeAmount)
    }

    /// What to do with a `GET` poll (``poll(_:isOnLinkLoop:)``).
    enum PollDecision {
        /// Answer it with these packets.
        case answer([EnginePacket])
        /// The session is closed and this is its last poll: answer, then forget the session.
        case answerFinal([EnginePacket])
        /// Answer it with this error.
        case refuse(EngineHTTPError)
        /// Answer it with this error and close the session for `reason`.
        case refuseAndClose(EngineHTTPError, EngineCloseReason)
        /// Decide again on the upgrading WebSocket's loop, after the frames it already read.
        case decideOnLinkLoop(Link)
        /// Held until the upgrade is decided; release it (``releaseParkedPoll(_:)``) after
        /// `upgradeCheckInterval` on `link`'s loop (nil: the session's loop).
        case parkedForUpgrade(checkOn: Link?)
        /// Held until packets are queued.
        case parked
    }

    /// What a `POST` reaches (``postTarget``).
    enum PostTarget {
        case closed
        case webSocket
        case polling
    }

    /// What to do with a packet read from a WebSocket (``webSocketPacket(_:from:)``).
    enum WebSocketPacketDecision {
        /// The session's transport: handle the packet as any other.
        case deliver
        /// Answer the probe with `3probe`; a poll held before it gets a noop.
        case answerProbe(releasing: Poll?)
        /// The WebSocket took over. A held poll is refused (it came after the probe) or gets a
        /// noop; `flush` says whether frames moved over from the poll queue must be written.
        case upgraded(poll: Poll?, refusePoll: Bool, flush: Bool)
        /// Not this session's business (a stale link, or a packet the upgrade ignores).
        case ignore
    }

    /// What a WebSocket's end means (``webSocketEnded(_:)``).
    struct WebSocketEnd {
        /// It was the session's transport: the session closes.
        var wasTransport: Bool
        /// It was probing: polling goes on, and a held poll must be answered now.
        var flushPolling: Bool
    }

    /// What closing means, once (``close(reason:)``).
    struct Closing {
        /// The transport when the session closed.
        var transport: Transport
        /// The held poll and what it is answered with.
        var poll: Poll?
        var pollPackets: [EnginePacket]
        /// Graceful closes of a WebSocket: frames still to write before the close frame.
        var framesToFlush: [ByteBuffer]
        /// Polling without a held poll: the next poll collects the last packets
        /// (``poll(_:isOnLinkLoop:)`` answers it), so the session is forgotten only after it
        /// or after a ping timeout.
        var keepForFinalPoll: Bool
    }

    let protocolVersion: EngineProtocolVersion
    let supportsBinary: Bool
    private let configuration: EngineIOConfiguration
    private let writeSpacing: TimeAmount?

    private(set) var isClosed = false
    private(set) var transport: Transport
    private var pollQueue: [EnginePacket] = []
    private var pendingPoll: Poll?
    private var postActive = false
    /// Upgrading: `pendingPoll` arrived after the WebSocket took over (the `2probe` and `5` may
    /// still be unread on the other connection). Its fate is decided by what the WebSocket does
    /// next: `5` refuses it (400, as if it came after the upgrade), a failed WebSocket leaves it
    /// a normal poll. So the order of the two connections' events does not depend on how their
    /// event loops are scheduled (issue 15).
    private var pollParkedAfterProbe = false
    /// A WebSocket upgrade was accepted (its 101 answer may be out) but not set up yet.
    private var upgradeAccepted = false
    /// After a server-side close of a polling session without a held poll: what the next poll
    /// receives (queued packets and the close packet).
    private var finalPollPackets: [EnginePacket]?
    private var frameQueue: [ByteBuffer] = []
    private var queuedMessages = 0
    private var queuedBytes = 0
    private var flushScheduled = false
    /// Paced mode: the earliest time of the next WebSocket write.
    private var pacedNextWrite = NIODeadline.uptimeNanoseconds(0)
    private(set) var isAwaitingPong = false
    /// v4: when the next ping is due, and (while awaiting a pong) when the pong is due.
    private var nextPingDeadline = NIODeadline.uptimeNanoseconds(0)
    private var pongDeadline: NIODeadline = .distantFuture
    /// v3: when the client last sent anything.
    private(set) var lastClientActivity: NIODeadline

    /// A session that starts on `webSocket` (nil: polling) at `now`.
    init(protocolVersion: EngineProtocolVersion, supportsBinary: Bool, webSocket: Link?,
         configuration: EngineIOConfiguration, now: NIODeadline) {
        self.protocolVersion = protocolVersion
        self.supportsBinary = supportsBinary
        self.configuration = configuration
        writeSpacing = configuration.webSocketWriteSpacing.map {
            let (seconds, attoseconds) = $0.components
            return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        transport = webSocket.map { .webSocket($0) } ?? .polling
        lastClientActivity = now
    }

    /// The transport name for logs and tests.
    var transportName: String {
        switch transport {
        case .polling: "polling"
        case .upgrading: "upgrading"
        case .webSocket: "websocket"
        }
    }

    /// Whether a `GET` poll is held.
    var hasPendingPoll: Bool { pendingPoll != nil }

    /// Whether frames wait for the WebSocket.
    var hasQueuedFrames: Bool { !frameQueue.isEmpty }

    /// Whether `link` carries the session's packets now.
    func isTransport(_ link: Link) -> Bool {
        if case .webSocket(let current) = transport { return current === link }
        return false
    }

    // MARK: Outbound queue

    /// Queues `outbound` on the current transport within the session's bounds.
    mutating func enqueue(_ outbound: Outbound) -> Enqueued {
        if isClosed { return .closed }
        let (count, bytes): (Int, Int) = switch outbound {
        case .messages(let messages, let byteCount): (messages.count, byteCount)
        case .shared(let shared): (shared.messages.count, shared.payloadByteCount)
        case .packet(let packet): (1, packet.approximateSize)
        case .webSocketFrame(let frame): (1, frame.readableBytes)
        }
        if queuedMessages + count > configuration.maxQueuedMessages || queuedBytes + bytes > configuration.maxQueuedBytes {
            return .overLimit(queuedMessages: queuedMessages, queuedBytes: queuedBytes)
        }
        queuedMessages += count
        queuedBytes += bytes
        if case .webSocket = transport {
            switch outbound {
            case .messages(let messages, let byteCount):
                var frames = ByteBufferAllocator().buffer(capacity: byteCount + 10 * messages.count)
                for message in messages {
                    WebSocketServerFrame.writeMessage(message, version: protocolVersion, into: &frames)
                }
                frameQueue.append(frames)
            case .shared(let shared):
                frameQueue.append(shared.webSocketFrames(for: protocolVersion))
            case .packet(let packet):
                frameQueue.append(Self.frame(packet, version: protocolVersion))
            case .webSocketFrame(let frame):
                frameQueue.append(frame)
            }
        } else {
            switch outbound {
            case .messages(let messages, _):
                for message in messages { pollQueue.append(.message(message)) }
            case .shared(let shared):
                for message in shared.messages { pollQueue.append(.message(message)) }
            case .packet(let packet):
                pollQueue.append(packet)
            case .webSocketFrame:
                break
            }
        }
        guard !flushScheduled else { return .queued(flush: nil) }
        flushScheduled = true
        if case .webSocket(let link) = transport { return .queued(flush: .webSocket(link)) }
        return .queued(flush: .polling)
    }

    /// The next step of draining the queue to `link` (on its loop). `drain` must be empty; on
    /// ``WebSocketWrite/writeDrained`` it holds the frames to write (swapped in, so neither
    /// array reallocates).
    mutating func nextWebSocketWrite(on link: Link, isWritable: Bool, now: NIODeadline,
                                     into drain: inout [ByteBuffer]) -> WebSocketWrite {
        guard !isClosed, isTransport(link), !frameQueue.isEmpty else {
            flushScheduled = false
            return .done
        }
        guard isWritable else {
            // Stays scheduled: the writability change resumes the flush.
            flushScheduled = true
            return .done
        }
        if let spacing = writeSpacing {
            // Paced mode (see `EngineIOConfiguration.webSocketWriteSpacing`): one unit now, the
            // rest later, each at least `spacing` after the previous write, also when it was
            // queued after the queue had run empty. The counters become approximate.
            if now < pacedNextWrite {
                flushScheduled = true
                return .retry(in: pacedNextWrite - now)
            }
            pacedNextWrite = now + spacing
            let unit = frameQueue.removeFirst()
            queuedMessages = frameQueue.count
            queuedBytes = frameQueue.reduce(0) { $0 + $1.readableBytes }
            flushScheduled = !frameQueue.isEmpty
            return .writePaced(unit, nextIn: flushScheduled ? spacing : nil)
        }
        swap(&frameQueue, &drain)
        queuedMessages = 0
        queuedBytes = 0
        flushScheduled = false
        return .writeDrained
    }

    /// The scheduled polling flush: the held poll and what it is answered with, if it can be
    /// answered now. A poll held while upgrading is answered by the upgrade's outcome only (400
    /// after `5`, a noop after `upgradeCheckInterval`); what is queued meanwhile goes to the
    /// WebSocket.
    mutating func takePollingFlush() -> (poll: Poll, packets: [EnginePacket])? {
        flushScheduled = false
        guard !isClosed, !pollQueue.isEmpty, let poll = pendingPoll, !pollParkedAfterProbe else { return nil }
        if case .webSocket = transport { return nil }
        let packets = takePollQueue()
        pendingPoll = nil
        pollParkedAfterProbe = false
        return (poll, packets)
    }

    /// The first poll answer: the open packet and whatever was queued when the connection was
    /// announced.
    mutating func handshakePackets(open: EnginePacket) -> [EnginePacket] {
        takePollQueue(after: [open])
    }

    /// Takes what one polling response carries: `leading` and the queued packets that fit in
    /// `maxPollingResponseBytes` and `maxPollingResponsePackets` with it (at least one packet);
    /// the rest stays queued, in order, for the next poll.
    private mutating func takePollQueue(after leading: [EnginePacket] = []) -> [EnginePacket] {
        let fitting = EnginePollingPayload.countFitting(
            leading + pollQueue.prefix(configuration.maxPollingResponsePackets), version: protocolVersion,
            supportsBinary: supportsBinary, limit: configuration.maxPollingResponseBytes,
            maxPackets: configuration.maxPollingResponsePackets) - leading.count
        if fitting >= pollQueue.count {
            let packets = leading + pollQueue
            pollQueue = []
            queuedMessages = 0
            queuedBytes = 0
            return packets
        }
        let taken = Array(pollQueue.prefix(max(0, fitting)))
        pollQueue.removeFirst(taken.count)
        queuedMessages = max(0, queuedMessages - taken.count)
        queuedBytes = max(0, queuedBytes - taken.reduce(0) { $0 + $1.approximateSize })
        return leading + taken
    }

    private static func frame(_ packet: EnginePacket, version: EngineProtocolVersion) -> ByteBuffer {
        var frame = ByteBufferAllocator().buffer(capacity: packet.approximateSize + 4)
        packet.writeWebSocketFrame(version: version, into: &frame)
        return frame
    }

    // MARK: Polling requests

    /// A `GET` poll arrived. `isOnLinkLoop` tells whether the caller runs on a link's loop.
    mutating func poll(_ poll: Poll, isOnLinkLoop: (Link) -> Bool) -> PollDecision {
        if isClosed {
            guard let final = finalPollPackets else { return .refuse(.unknownSessionID) }
            finalPollPackets = nil
            return .answerFinal(final)
        }
        switch transport {
        case .webSocket:
            return .refuse(.badRequest)
        case .upgrading(let link):
            // Decide on the WebSocket's loop, after the frames it has already received (an
            // upgrade packet sent before this request completes the upgrade first).
            guard isOnLinkLoop(link) else { return .decideOnLinkLoop(link) }
            if pendingPoll == nil {
                // Racing the client's `5`: held until the WebSocket decides (see
                // `pollParkedAfterProbe`); what is queued meanwhile goes to the WebSocket.
                pendingPoll = poll
                pollParkedAfterProbe = true
                return .parkedForUpgrade(checkOn: link)
            }
            return .answer(pollQueue.isEmpty ? [.noop] : takePollQueue())
        case .polling:
            break
        }
        if pendingPoll != nil {
            return .refuseAndClose(.badRequest, .transportError("overlapping poll requests"))
        }
        if upgradeAccepted {
            // A WebSocket for this session was accepted but is not set up yet (its 101 went out,
            // the client may already have sent `2probe` and `5` on it): held as during the
            // upgrade itself.
            pendingPoll = poll
            pollParkedAfterProbe = true
            return .parkedForUpgrade(checkOn: nil)
        }
        if !pollQueue.isEmpty { return .answer(takePollQueue()) }
        pendingPoll = poll
        return .parked
    }

    /// A WebSocket upgrade for this session was accepted; polls read before it is set up are held.
    mutating func upgradeWasAccepted() {
        guard !isClosed, case .polling = transport else { return }
        upgradeAccepted = true
    }

    /// The upgrade packet did not come within `upgradeCheckInterval`: what the held `poll` gets
    /// (a noop, or what was queued when the WebSocket never took over); nil when it is no longer held.
    mutating func releaseParkedPoll(_ poll: Poll) -> [EnginePacket]? {
        guard pollParkedAfterProbe, let pending = pendingPoll, pending.isSame(as: poll) else { return nil }
        pendingPoll = nil
        pollParkedAfterProbe = false
        guard case .polling = transport else { return [.noop] }
        // The accepted WebSocket never took over: polling goes on as before.
        upgradeAccepted = false
        return pollQueue.isEmpty ? [.noop] : takePollQueue()
    }

    /// The connection of a held poll went away; true when it was this session's held poll
    /// (the session then closes).
    mutating func pollConnectionClosed(_ poll: Poll) -> Bool {
        guard let pending = pendingPoll, pending.isSame(as: poll) else { return false }
        pendingPoll = nil
        pollParkedAfterProbe = false
        return true
    }

    /// Whether a `POST` for this session is being received or answered.
    var hasActivePost: Bool { postActive }

    /// A `POST` started; false if another one is still active.
    mutating func beginPost() -> Bool {
        if postActive { return false }
        postActive = true
        return true
    }

    /// The active `POST` was answered or abandoned.
    mutating func endPost() { postActive = false }

    /// What a `POST`'s packets reach.
    var postTarget: PostTarget {
        if isClosed { return .closed }
        if case .webSocket = transport { return .webSocket }
        return .polling
    }

    // MARK: WebSocket

    /// A WebSocket with this session's id asks to take over; false if it may not.
    mutating func beginUpgrade(_ link: Link) -> Bool {
        guard !isClosed, case .polling = transport else { return false }
        transport = .upgrading(link)
        upgradeAccepted = false
        // A poll held since the upgrade was accepted stays held.
        return true
    }

    /// A packet read from `link` (the transport or the upgrading WebSocket).
    mutating func webSocketPacket(_ packet: EnginePacket, from link: Link) -> WebSocketPacketDecision {
        switch transport {
        case .webSocket(let current) where current === link:
            return .deliver
        case .upgrading(let current) where current === link:
            switch packet {
            case .ping("probe"):
                let poll = pollParkedAfterProbe ? nil : pendingPoll
                if !pollParkedAfterProbe { pendingPoll = nil }
                return .answerProbe(releasing: poll)
            case .upgrade:
                transport = .webSocket(link)
                let poll = pendingPoll
                let pollCameAfterProbe = pollParkedAfterProbe
                pendingPoll = nil
                pollParkedAfterProbe = false
                for packet in pollQueue { frameQueue.append(Self.frame(packet, version: protocolVersion)) }
                pollQueue = []
                flushScheduled = !frameQueue.isEmpty
                return .upgraded(poll: poll, refusePoll: pollCameAfterProbe, flush: flushScheduled)
            default:
                return .ignore
            }
        default:
            return .ignore
        }
    }

    /// `link` closed or failed.
    mutating func webSocketEnded(_ link: Link) -> WebSocketEnd {
        switch transport {
        case .webSocket(let current) where current === link:
            return WebSocketEnd(wasTransport: true, flushPolling: false)
        case .upgrading(let current) where current === link:
            // The probing WebSocket went away: back to polling; a held poll becomes a normal
            // one and gets what was queued meanwhile.
            transport = .polling
            upgradeAccepted = false
            let flush = pollParkedAfterProbe
            pollParkedAfterProbe = false
            return WebSocketEnd(wasTransport: false, flushPolling: flush)
        default:
            return WebSocketEnd(wasTransport: false, flushPolling: false)
        }
    }

    // MARK: Heartbeat

    /// v3: the client sent something at `now`.
    mutating func clientActivity(at now: NIODeadline) {
        lastClientActivity = now
    }

    /// v4: the next ping is due at `deadline`.
    mutating func pingScheduled(at deadline: NIODeadline) {
        nextPingDeadline = deadline
    }

    /// v4: the ping goes out; returns when its pong is due. Deadlines count from when the ping
    /// was due, so a late timer does not stretch them.
    mutating func pingSent() -> NIODeadline {
        isAwaitingPong = true
        pongDeadline = nextPingDeadline + .milliseconds(configuration.pingTimeoutMilliseconds)
        return pongDeadline
    }

    /// v4: a pong arrived; true when one was awaited by an open session (the next ping is then
    /// scheduled).
    mutating func pongReceived() -> Bool {
        let wasAwaiting = isAwaitingPong
        isAwaitingPong = false
        return wasAwaiting && !isClosed
    }

    /// How long after the last sign of life a v3 session is dropped.
    var clientPingDeadline: TimeAmount {
        .milliseconds(configuration.pingIntervalMilliseconds + configuration.pingTimeoutMilliseconds)
    }

    /// Whether the heartbeat deadline has passed at `now` (checked when requests arrive, so an
    /// overdue session is not revived by a timer that has not fired yet).
    func heartbeatExpired(at now: NIODeadline) -> Bool {
        switch protocolVersion {
        case .v4: isAwaitingPong && now >= pongDeadline
        case .v3: now >= lastClientActivity + clientPingDeadline
        }
    }

    // MARK: Close

    /// Closes the session for `reason`; nil when it was closed already. Drops the queues (a
    /// graceful close keeps them for the last answer) and decides what the held poll gets.
    mutating func close(reason: EngineCloseReason) -> Closing? {
        if isClosed { return nil }
        isClosed = true
        let poll = pendingPoll
        pendingPoll = nil
        pollParkedAfterProbe = false
        let graceful = reason == .serverClose || reason == .serverShutdown
        let remainingPackets = graceful ? pollQueue : []
        let remainingFrames = graceful ? frameQueue : []
        pollQueue = []
        frameQueue = []
        queuedMessages = 0
        queuedBytes = 0
        var keepForFinalPoll = false
        if graceful, poll == nil, case .polling = transport {
            finalPollPackets = remainingPackets + [.close]
            keepForFinalPoll = true
        } else if reason == .clientClose, poll == nil, case .polling = transport {
            // The client's close came in a POST read before the poll it sent beside it (two
            // connections, two event loops): that poll still gets what it would have got had it
            // been read first, a noop; any later one 400 (issue 15).
            finalPollPackets = [.noop]
            keepForFinalPoll = true
        }
        return Closing(transport: transport, poll: poll,
                       pollPackets: reason == .clientClose ? [.noop] : remainingPackets + [.close],
                       framesToFlush: remainingFrames, keepForFinalPoll: keepForFinalPoll)
    }
}
