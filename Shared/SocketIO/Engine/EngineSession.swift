import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// One Engine.IO session: its transport (polling, upgrading, WebSocket), its bounded outbound
/// queue and its heartbeat.
///
/// Thread-safety: mutable state is guarded by `lock`. Delegate calls and heartbeat timers run on
/// `eventLoop` (the loop of the channel that made the handshake). WebSocket writes run on the
/// WebSocket channel's loop. Sends from any thread enqueue under the lock and schedule at most
/// one flush.
final class EngineSession: EngineConnection, @unchecked Sendable {
    let id: String
    let protocolVersion: EngineProtocolVersion
    let request: EngineRequestInfo
    /// Loop for delegate calls, heartbeat timers and polling answers.
    let eventLoop: EventLoop
    /// v3 polling: whether binary may be sent as XHR2 binary payloads (no `b64=1`).
    let supportsBinary: Bool
    /// JSONP polling (see ``EngineJSONP``): the callback index of the handshake's `j`, or nil.
    let jsonpIndex: String?

    private let endpoint: EngineIOEndpoint
    private let configuration: EngineIOConfiguration
    private let maxQueuedMessages: Int
    private let maxQueuedBytes: Int
    private let writeSpacing: TimeAmount?
    private let logger: Logger

    private enum Transport {
        case polling
        case upgrading(EngineWebSocketLink)
        case webSocket(EngineWebSocketLink)
    }

    // Guarded by `lock`.
    private let lock = NIOLock()
    private var isClosed = false
    private var transport: Transport
    private var pollQueue: [EnginePacket] = []
    private var pendingPoll: EventLoopPromise<EngineHTTPResponse>?
    private var postActive = false
    /// Upgrading: the WebSocket's `2probe` was answered, so a conforming client sends no new
    /// poll before its `5` (it pauses polling first).
    private var probeAnswered = false
    /// Upgrading: `pendingPoll` arrived after the WebSocket took over (the `2probe` and `5` may
    /// still be unread on the other connection). Its fate is decided by
    /// what the WebSocket does next: `5` refuses it (400, as if it came after the upgrade), a
    /// failed WebSocket leaves it a normal poll. So the order of the two connections' events
    /// no longer depends on how their event loops are scheduled (issue 15).
    private var pollParkedAfterProbe = false
    /// A WebSocket upgrade was accepted (its 101 answer may be out) but not set up yet.
    private var upgradeAccepted = false
    /// After a server-side close of a polling session without a pending poll: what the next
    /// poll receives (queued packets and the close packet).
    private var finalPollPackets: [EnginePacket]?
    private var frameQueue: [ByteBuffer] = []
    private var queuedMessages = 0
    private var queuedBytes = 0
    private var flushScheduled = false
    /// Paced mode: the earliest time of the next WebSocket write (guarded by `lock`).
    private var pacedNextWrite = NIODeadline.uptimeNanoseconds(0)
    private var awaitingPong = false
    /// v4: when the next ping is due, and (while awaiting a pong) when the pong is due.
    private var nextPingDeadline: NIODeadline = .now()
    private var pongDeadline: NIODeadline = .distantFuture
    private var lastClientActivity: NIODeadline

    // Only on the WebSocket channel's loop (asserted in `flushWebSocket`).
    private var drainQueue: [ByteBuffer] = []
    private var isDrainingWebSocket = false
    // Only on `eventLoop` (asserted where they are used).
    private var heartbeatTask: Scheduled<Void>?
    private var delegateClosed = false

    init(
        id: String, protocolVersion: EngineProtocolVersion, request: EngineRequestInfo, supportsBinary: Bool,
        jsonpIndex: String? = nil, eventLoop: EventLoop, webSocket: EngineWebSocketLink?, endpoint: EngineIOEndpoint,
        configuration: EngineIOConfiguration, logger: Logger
    ) {
        self.id = id
        self.protocolVersion = protocolVersion
        self.request = request
        self.supportsBinary = supportsBinary && jsonpIndex == nil
        self.jsonpIndex = jsonpIndex
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.configuration = configuration
        self.maxQueuedMessages = configuration.maxQueuedMessages
        self.maxQueuedBytes = configuration.maxQueuedBytes
        self.writeSpacing = configuration.webSocketWriteSpacing.map {
            let (seconds, attoseconds) = $0.components
            return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        }
        var logger = logger
        logger[metadataKey: "engine.sid"] = "\(id)"
        self.logger = logger
        self.transport = webSocket.map { .webSocket($0) } ?? .polling
        self.lastClientActivity = .now()
    }

    /// The transport name for logs and tests.
    var transportName: String {
        lock.withLock {
            switch transport {
            case .polling: return "polling"
            case .upgrading: return "upgrading"
            case .webSocket: return "websocket"
            }
        }
    }

    /// Whether a `GET` poll is parked, waiting for packets.
    var hasPendingPoll: Bool {
        lock.withLock { pendingPoll != nil }
    }

    // MARK: - EngineConnection

    @discardableResult
    func send(_ messages: [EngineMessage]) -> Bool {
        if messages.isEmpty { return !lock.withLock { isClosed } }
        var bytes = 0
        for message in messages {
            switch message {
            case .text(let text): bytes += text.utf8.count + 1
            case .binary(let data): bytes += data.readableBytes + 1
            }
        }
        return enqueue(messageCount: messages.count, byteCount: bytes) { transport in
            if case .webSocket = transport {
                var frames = ByteBufferAllocator().buffer(capacity: bytes + 10 * messages.count)
                for message in messages {
                    WebSocketServerFrame.writeMessage(message, version: protocolVersion, into: &frames)
                }
                frameQueue.append(frames)
            } else {
                for message in messages { pollQueue.append(.message(message)) }
            }
        }
    }

    @discardableResult
    func send(_ shared: SharedEngineMessages) -> Bool {
        let count = shared.messages.count
        if count == 0 { return !lock.withLock { isClosed } }
        // Fan-out fast path: an open WebSocket within its bounds appends the shared frames.
        lock.lock()
        if !isClosed, case .webSocket(let link) = transport,
            queuedMessages + count <= maxQueuedMessages,
            queuedBytes + shared.payloadByteCount <= maxQueuedBytes
        {
            queuedMessages += count
            queuedBytes += shared.payloadByteCount
            frameQueue.append(shared.webSocketFrames(for: protocolVersion))
            let needsFlush = !flushScheduled
            flushScheduled = true
            lock.unlock()
            if needsFlush { link.channel.eventLoop.execute { self.flushWebSocket(link) } }
            return true
        }
        lock.unlock()
        return enqueue(messageCount: count, byteCount: shared.payloadByteCount) { transport in
            if case .webSocket = transport {
                frameQueue.append(shared.webSocketFrames(for: protocolVersion))
            } else {
                for message in shared.messages { pollQueue.append(.message(message)) }
            }
        }
    }

    func close() {
        close(reason: .serverClose)
    }

    // MARK: - Outbound queue

    /// Queues packets (control packets such as ping/pong) on the current transport.
    @discardableResult
    func sendPacket(_ packet: EnginePacket) -> Bool {
        enqueue(messageCount: 1, byteCount: packet.approximateSize) { transport in
            if case .webSocket = transport {
                var frame = ByteBufferAllocator().buffer(capacity: packet.approximateSize + 4)
                packet.writeWebSocketFrame(version: protocolVersion, into: &frame)
                frameQueue.append(frame)
            } else {
                pollQueue.append(packet)
            }
        }
    }

    /// Answers a WebSocket ping frame with `pong` (the framed pong). On the session's transport the
    /// pong goes through the bounded queue, so a client that pings and never reads is dropped as a
    /// slow consumer instead of growing the server's memory; on a link that is still a probe it is
    /// written only while the channel is writable, else the probe is closed.
    func answerWebSocketPing(_ pong: ByteBuffer, on link: EngineWebSocketLink) {
        let isTransport = lock.withLock { () -> Bool in
            if case .webSocket(let current) = transport { return current === link }
            return false
        }
        if isTransport {
            _ = enqueue(messageCount: 1, byteCount: pong.readableBytes) { transport in
                if case .webSocket = transport { frameQueue.append(pong) }
            }
        } else if link.channel.isWritable {
            link.writer.write(pong)
            link.writer.flush()
        } else {
            link.closeWithFrame(code: 1008)
        }
    }

    /// Checks the bound, lets `append` queue under the lock, and schedules one flush.
    @inline(__always)
    private func enqueue(messageCount: Int, byteCount: Int, _ append: (Transport) -> Void) -> Bool {
        lock.lock()
        if isClosed {
            lock.unlock()
            return false
        }
        if queuedMessages + messageCount > maxQueuedMessages || queuedBytes + byteCount > maxQueuedBytes
        {
            let messages = queuedMessages
            let bytes = queuedBytes
            lock.unlock()
            logger.warning(
                "closing slow consumer: outbound queue bound exceeded",
                metadata: [
                    "queued.messages": "\(messages)", "queued.bytes": "\(bytes)",
                    "limit.messages": "\(configuration.maxQueuedMessages)",
                    "limit.bytes": "\(configuration.maxQueuedBytes)",
                ])
            close(reason: .slowConsumer)
            return false
        }
        queuedMessages += messageCount
        queuedBytes += byteCount
        let transport = self.transport
        append(transport)
        let needsFlush = !flushScheduled
        flushScheduled = true
        lock.unlock()
        if needsFlush {
            if case .webSocket(let link) = transport {
                link.channel.eventLoop.execute { self.flushWebSocket(link) }
            } else {
                eventLoop.execute { self.flushPolling() }
            }
        }
        return true
    }

    /// Writes queued frames to the WebSocket while the channel is writable. Runs on the link's
    /// loop. Writing can re-enter through a writability change; the running drain then picks
    /// up whatever was queued meanwhile.
    private func flushWebSocket(_ link: EngineWebSocketLink) {
        link.channel.eventLoop.assertInEventLoop()
        guard !isDrainingWebSocket else { return }
        isDrainingWebSocket = true
        defer { isDrainingWebSocket = false }
        while true {
            lock.lock()
            guard !isClosed, case .webSocket(let current) = transport, current === link else {
                flushScheduled = false
                lock.unlock()
                return
            }
            if frameQueue.isEmpty {
                flushScheduled = false
                lock.unlock()
                return
            }
            guard link.channel.isWritable else {
                // Stays scheduled: the writability change resumes the flush.
                flushScheduled = true
                lock.unlock()
                return
            }
            if let spacing = writeSpacing {
                // Paced mode (see `EngineIOConfiguration.webSocketWriteSpacing`): one unit now,
                // the rest later, each at least `spacing` after the previous write, also when it
                // was queued after the queue had run empty. The counters become approximate.
                let now = NIODeadline.now()
                if now < pacedNextWrite {
                    flushScheduled = true
                    let wait = pacedNextWrite - now
                    lock.unlock()
                    link.channel.eventLoop.scheduleTask(in: wait) { self.flushWebSocket(link) }
                    return
                }
                pacedNextWrite = now + spacing
                let unit = frameQueue.removeFirst()
                queuedMessages = frameQueue.count
                queuedBytes = frameQueue.reduce(0) { $0 + $1.readableBytes }
                let more = !frameQueue.isEmpty
                flushScheduled = more
                lock.unlock()
                link.writer.write(unit)
                link.writer.flush()
                if more {
                    link.channel.eventLoop.scheduleTask(in: spacing) { self.flushWebSocket(link) }
                }
                return
            }
            swap(&frameQueue, &drainQueue)
            queuedMessages = 0
            queuedBytes = 0
            flushScheduled = false
            lock.unlock()
            for frames in drainQueue { link.writer.write(frames) }
            drainQueue.removeAll(keepingCapacity: true)
            link.writer.flush()
        }
    }

    /// The WebSocket channel became writable again.
    func webSocketWritable(_ link: EngineWebSocketLink) {
        let resume = lock.withLock { !frameQueue.isEmpty }
        if resume { flushWebSocket(link) }
    }

    /// Answers a pending poll with the queued packets. Runs on `eventLoop`.
    private func flushPolling() {
        lock.lock()
        flushScheduled = false
        // A poll held while upgrading is answered by the upgrade's outcome only (400 after `5`,
        // a noop after `upgradeCheckInterval`); what is queued meanwhile goes to the WebSocket.
        guard !isClosed, !pollQueue.isEmpty, let poll = pendingPoll, !pollParkedAfterProbe else {
            lock.unlock()
            return
        }
        switch transport {
        case .webSocket:
            lock.unlock()
            return
        case .polling, .upgrading:
            break
        }
        let packets = takePollQueueLocked()
        pendingPoll = nil
        pollParkedAfterProbe = false
        lock.unlock()
        poll.succeed(pollResponse(packets))
    }

    /// Takes what one polling response carries: `leading` and the queued packets that fit in
    /// `maxPollingResponseBytes` and `maxPollingResponsePackets` with it (at least one packet);
    /// the rest stays queued, in order, for the next poll.
    private func takePollQueueLocked(after leading: [EnginePacket] = []) -> [EnginePacket] {
        let fitting = EnginePollingPayload.countFitting(
            leading + pollQueue.prefix(configuration.maxPollingResponsePackets), version: protocolVersion,
            supportsBinary: supportsBinary,
            limit: configuration.maxPollingResponseBytes,
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

    private func pollResponse(_ packets: [EnginePacket]) -> EngineHTTPResponse {
        let (body, contentType) = EnginePollingPayload.encode(
            packets, version: protocolVersion, supportsBinary: supportsBinary)
        if let jsonpIndex {
            var headers: HTTPHeaders = ["Content-Type": EngineJSONP.contentType]
            // As the reference server: keep old Internet Explorers' XSS filter off the script.
            if let agent = request.headers.first(where: { $0.name == "user-agent" })?.value,
                agent.contains(";MSIE") || agent.contains("Trident/")
            {
                headers.add(name: "X-XSS-Protection", value: "0")
            }
            return EngineHTTPResponse(status: .ok, headers: headers, body: EngineJSONP.wrap(body, index: jsonpIndex))
        }
        return EngineHTTPResponse(status: .ok, headers: ["Content-Type": contentType], body: body)
    }

    // MARK: - Polling requests

    /// The first poll answer: the open packet and whatever the delegate queued when told of
    /// the connection. Runs on `eventLoop`.
    func handshakeResponse(openPacket: EnginePacket) -> EngineHTTPResponse {
        lock.lock()
        let packets = takePollQueueLocked(after: [openPacket])
        lock.unlock()
        return pollResponse(packets)
    }

    /// A `GET` poll: answers at once if packets are queued, else parks the request.
    func handlePoll(_ promise: EventLoopPromise<EngineHTTPResponse>) {
        if heartbeatExpired() { close(reason: .pingTimeout) }
        lock.lock()
        if isClosed {
            let final = finalPollPackets
            finalPollPackets = nil
            lock.unlock()
            if let final {
                endpoint.remove(self)
                promise.succeed(pollResponse(final))
            } else {
                promise.succeed(EngineHTTPError.unknownSessionID.response())
            }
            return
        }
        switch transport {
        case .webSocket:
            lock.unlock()
            promise.succeed(EngineHTTPError.badRequest.response())
            return
        case .upgrading(let link):
            if !link.channel.eventLoop.inEventLoop {
                // Decide on the WebSocket's loop, after the frames it has already received
                // (an upgrade packet sent before this request completes the upgrade first).
                lock.unlock()
                link.channel.eventLoop.execute { self.handlePoll(promise) }
                return
            }
            if pendingPoll == nil {
                // Racing the client's `5`: park it until the WebSocket decides (see
                // `pollParkedAfterProbe`); what is queued meanwhile goes to the WebSocket.
                pendingPoll = promise
                pollParkedAfterProbe = true
                lock.unlock()
                // As the reference's 100 ms upgrade check: without a `5` by then, a noop. The
                // check runs on the WebSocket's loop, which reads frames that already arrived
                // before it runs due tasks: a `5` sent before this poll always wins, however
                // late the loop gets to run.
                link.channel.eventLoop.scheduleTask(in: upgradeCheckInterval) { self.releaseParkedPoll(promise) }
                return
            }
            let packets = pollQueue.isEmpty ? [EnginePacket.noop] : takePollQueueLocked()
            lock.unlock()
            promise.succeed(pollResponse(packets))
            return
        case .polling:
            break
        }
        if pendingPoll != nil {
            lock.unlock()
            logger.debug("duplicate poll request; closing the session")
            promise.succeed(EngineHTTPError.badRequest.response())
            close(reason: .transportError("overlapping poll requests"))
            return
        }
        if upgradeAccepted {
            // A WebSocket for this session was accepted but is not set up yet (its 101 went
            // out, the client may already have sent `2probe` and `5` on it): held as during
            // the upgrade itself.
            pendingPoll = promise
            pollParkedAfterProbe = true
            lock.unlock()
            eventLoop.scheduleTask(in: upgradeCheckInterval) { self.releaseParkedPoll(promise) }
            return
        }
        if !pollQueue.isEmpty {
            let packets = takePollQueueLocked()
            lock.unlock()
            promise.succeed(pollResponse(packets))
            return
        }
        pendingPoll = promise
        lock.unlock()
    }

    /// A WebSocket upgrade for this session was accepted; its 101 answer goes out before the
    /// WebSocket is set up (``beginUpgrade(_:)``), so polls read in between are held.
    func upgradeWasAccepted() {
        lock.withLock {
            guard !isClosed, case .polling = transport else { return }
            upgradeAccepted = true
        }
    }

    /// How long a poll read while upgrading waits for the upgrade packet before it is answered
    /// with a noop. The reference server checks every 100 ms on its one thread; here the
    /// WebSocket's frames may be read on a busy loop well after a poll sent later, so the wait
    /// is longer: 500 ms, or half the ping interval when that is shorter (the session must not
    /// time out while a poll is held). A client whose poll crossed the probe's answer upgrades
    /// this much later.
    var upgradeCheckInterval: TimeAmount {
        .milliseconds(min(500, max(1, configuration.pingIntervalMilliseconds / 2)))
    }

    /// The upgrade packet did not come within `upgradeCheckInterval`: a parked poll gets a noop.
    private func releaseParkedPoll(_ promise: EventLoopPromise<EngineHTTPResponse>) {
        lock.lock()
        guard pollParkedAfterProbe, let pending = pendingPoll, pending.futureResult === promise.futureResult
        else {
            lock.unlock()
            return
        }
        pendingPoll = nil
        pollParkedAfterProbe = false
        var packets: [EnginePacket] = [.noop]
        if case .polling = transport {
            // The accepted WebSocket never took over: polling goes on as before.
            upgradeAccepted = false
            if !pollQueue.isEmpty { packets = takePollQueueLocked() }
        }
        lock.unlock()
        promise.succeed(pollResponse(packets))
    }

    /// The connection of a parked poll went away before it was answered.
    func pollConnectionClosed(_ promise: EventLoopPromise<EngineHTTPResponse>) {
        let wasPending = lock.withLock { () -> Bool in
            guard let pending = pendingPoll, pending.futureResult === promise.futureResult else { return false }
            pendingPoll = nil
            pollParkedAfterProbe = false
            return true
        }
        if wasPending {
            promise.fail(ChannelError.ioOnClosedChannel)
            close(reason: .transportError("poll connection closed prematurely"))
        }
    }

    /// Whether a `POST` for this session is being received or answered.
    var hasActivePost: Bool {
        lock.withLock { postActive }
    }

    /// A `POST` for this session started; false if another one is still active.
    func beginPost() -> Bool {
        lock.withLock {
            if postActive { return false }
            postActive = true
            return true
        }
    }

    /// The active `POST` was answered or abandoned.
    func endPost() {
        lock.withLock { postActive = false }
    }

    /// A `POST` with packets. Runs on `eventLoop`.
    func handlePost(body: ByteBuffer, isBinary: Bool) -> EngineHTTPResponse {
        let (closed, transportIsWebSocket) = lock.withLock { () -> (Bool, Bool) in
            if case .webSocket = transport { return (isClosed, true) }
            return (isClosed, false)
        }
        if closed { return EngineHTTPError.unknownSessionID.response() }
        if transportIsWebSocket { return EngineHTTPError.badRequest.response() }
        if heartbeatExpired() {
            close(reason: .pingTimeout)
            return EngineHTTPError.unknownSessionID.response()
        }
        if body.readableBytes > configuration.maxPayload {
            close(reason: .transportError("payload too large"))
            return EngineHTTPResponse(status: .payloadTooLarge, text: "payload too large")
        }
        var body = body
        var isBinary = isBinary
        if jsonpIndex != nil {
            // A form-encoded `d=` field; a body without one is ignored, as the reference does.
            guard let payload = EngineJSONP.payload(fromFormBody: body) else {
                return EngineHTTPResponse(status: .ok, contentType: "text/html", text: "ok")
            }
            body = payload
            isBinary = false
        }
        let packets: [EnginePacket]
        do {
            packets = try EnginePollingPayload.decode(body, version: protocolVersion, isBinary: isBinary)
        } catch {
            logger.debug("invalid polling payload; closing the session", metadata: ["error": "\(error)"])
            close(reason: .parseError)
            return EngineHTTPError.badRequest.response()
        }
        for packet in packets { receive(packet) }
        return EngineHTTPResponse(status: .ok, contentType: "text/html", text: "ok")
    }

    // MARK: - WebSocket

    /// A WebSocket with this session's id asks to take over; returns false if it may not.
    func beginUpgrade(_ link: EngineWebSocketLink) -> Bool {
        lock.withLock {
            guard !isClosed, case .polling = transport else { return false }
            transport = .upgrading(link)
            probeAnswered = false
            upgradeAccepted = false
            // A poll held since the upgrade was accepted stays held.
            return true
        }
    }

    /// A packet from a WebSocket (direct or upgrading). Runs on the link's loop.
    func receive(_ packet: EnginePacket, from link: EngineWebSocketLink) {
        lock.lock()
        switch transport {
        case .webSocket(let current) where current === link:
            lock.unlock()
            receive(packet)
        case .upgrading(let current) where current === link:
            switch packet {
            case .ping("probe"):
                let poll = pollParkedAfterProbe ? nil : pendingPoll
                if !pollParkedAfterProbe { pendingPoll = nil }
                probeAnswered = true
                lock.unlock()
                link.writePacket(.pong("probe"), version: protocolVersion)
                poll?.succeed(pollResponse([.noop]))
            case .upgrade:
                transport = .webSocket(link)
                let poll = pendingPoll
                let pollCameAfterProbe = pollParkedAfterProbe
                pendingPoll = nil
                pollParkedAfterProbe = false
                let packets = pollQueue
                pollQueue = []
                for packet in packets {
                    var frame = ByteBufferAllocator().buffer(capacity: packet.approximateSize + 4)
                    packet.writeWebSocketFrame(version: protocolVersion, into: &frame)
                    frameQueue.append(frame)
                }
                let needsFlush = !frameQueue.isEmpty
                flushScheduled = needsFlush
                lock.unlock()
                logger.debug("upgraded to websocket")
                if pollCameAfterProbe {
                    poll?.succeed(EngineHTTPError.badRequest.response())
                } else {
                    poll?.succeed(pollResponse([.noop]))
                }
                if needsFlush { flushWebSocket(link) }
            default:
                lock.unlock()
            }
        default:
            lock.unlock()
        }
    }

    /// The upgrading WebSocket went away: back to polling; a parked poll becomes a normal one
    /// and gets what was queued meanwhile.
    private func abandonUpgradeLocked() {
        transport = .polling
        probeAnswered = false
        upgradeAccepted = false
        if pollParkedAfterProbe {
            pollParkedAfterProbe = false
            eventLoop.execute { self.flushPolling() }
        }
    }

    /// A WebSocket frame could not be decoded, or was too large. Runs on the link's loop.
    func webSocketFailed(_ link: EngineWebSocketLink, reason: EngineCloseReason) {
        let isCurrent = lock.withLock { () -> Bool in
            if case .webSocket(let current) = transport, current === link { return true }
            if case .upgrading(let current) = transport, current === link { abandonUpgradeLocked() }
            return false
        }
        if isCurrent { close(reason: reason) } else { link.channel.close(promise: nil) }
    }

    /// The WebSocket channel closed.
    func webSocketClosed(_ link: EngineWebSocketLink) {
        let isCurrent = lock.withLock { () -> Bool in
            if case .webSocket(let current) = transport, current === link { return true }
            if case .upgrading(let current) = transport, current === link { abandonUpgradeLocked() }
            return false
        }
        if isCurrent { close(reason: .transportClose) }
    }

    // MARK: - Inbound packets

    /// Handles one packet from the client, on any transport.
    func receive(_ packet: EnginePacket) {
        if protocolVersion == .v3 {
            lock.withLock { lastClientActivity = .now() }
        }
        switch packet {
        case .message(let message):
            deliver(message)
        case .ping(let data):
            if protocolVersion == .v3 { sendPacket(.pong(data)) }
        case .pong:
            if protocolVersion == .v4 { pongReceived() }
        case .close:
            close(reason: .clientClose)
        case .open, .upgrade, .noop:
            break
        }
    }

    private func deliver(_ message: EngineMessage) {
        if eventLoop.inEventLoop {
            deliverOnLoop(message)
        } else {
            eventLoop.execute { self.deliverOnLoop(message) }
        }
    }

    private func deliverOnLoop(_ message: EngineMessage) {
        eventLoop.assertInEventLoop()
        guard !delegateClosed else { return }
        endpoint.delegate.engineConnection(self, received: message)
    }

    // MARK: - Lifecycle

    /// Tells the delegate about the new connection and starts the heartbeat. Runs on `eventLoop`.
    func start() {
        eventLoop.assertInEventLoop()
        endpoint.delegate.engineConnectionOpened(self)
        switch protocolVersion {
        case .v4: schedulePing()
        case .v3: scheduleClientPingCheck(in: .milliseconds(pingDeadlineMilliseconds))
        }
    }

    private var pingDeadlineMilliseconds: Int64 {
        configuration.pingIntervalMilliseconds + configuration.pingTimeoutMilliseconds
    }

    private func schedulePing() {
        eventLoop.assertInEventLoop()
        let deadline = NIODeadline.now() + .milliseconds(configuration.pingIntervalMilliseconds)
        lock.withLock { nextPingDeadline = deadline }
        heartbeatTask = eventLoop.scheduleTask(deadline: deadline) {
            self.sendPing()
        }
    }

    private func sendPing() {
        eventLoop.assertInEventLoop()
        // Deadlines count from when the ping was due, so a late timer does not stretch them.
        let deadline = lock.withLock { () -> NIODeadline in
            awaitingPong = true
            pongDeadline = nextPingDeadline + .milliseconds(configuration.pingTimeoutMilliseconds)
            return pongDeadline
        }
        guard sendPacket(.ping(nil)) else { return }
        heartbeatTask = eventLoop.scheduleTask(deadline: deadline) {
            if self.lock.withLock({ self.awaitingPong }) {
                self.logger.debug("no pong within pingTimeout")
                self.close(reason: .pingTimeout)
            }
        }
    }

    /// Whether the heartbeat deadline has passed (checked when requests arrive, so an overdue
    /// session is not revived by a timer that has not fired yet).
    private func heartbeatExpired() -> Bool {
        lock.withLock {
            switch protocolVersion {
            case .v4: return awaitingPong && NIODeadline.now() >= pongDeadline
            case .v3: return NIODeadline.now() >= lastClientActivity + .milliseconds(pingDeadlineMilliseconds)
            }
        }
    }

    private func pongReceived() {
        let wasAwaiting = lock.withLock { () -> Bool in
            let was = awaitingPong
            awaitingPong = false
            return was && !isClosed
        }
        guard wasAwaiting else { return }
        if eventLoop.inEventLoop {
            heartbeatTask?.cancel()
            schedulePing()
        } else {
            eventLoop.execute {
                self.heartbeatTask?.cancel()
                if !self.lock.withLock({ self.isClosed }) { self.schedulePing() }
            }
        }
    }

    private func scheduleClientPingCheck(in delay: TimeAmount) {
        eventLoop.assertInEventLoop()
        heartbeatTask = eventLoop.scheduleTask(in: delay) {
            let deadline = self.lock.withLock { self.lastClientActivity }
                + .milliseconds(self.pingDeadlineMilliseconds)
            let now = NIODeadline.now()
            if deadline <= now {
                self.logger.debug("no ping from the client within pingInterval + pingTimeout")
                self.close(reason: .pingTimeout)
            } else {
                self.scheduleClientPingCheck(in: deadline - now)
            }
        }
    }

    /// Ends the session: answers or closes its transport, forgets it, tells the delegate.
    func close(reason: EngineCloseReason) {
        lock.lock()
        if isClosed {
            lock.unlock()
            return
        }
        isClosed = true
        let transport = self.transport
        let poll = pendingPoll
        pendingPoll = nil
        pollParkedAfterProbe = false
        let graceful = reason == .serverClose || reason == .serverShutdown
        var remainingPackets: [EnginePacket] = []
        var remainingFrames: [ByteBuffer] = []
        if graceful {
            remainingPackets = pollQueue
            remainingFrames = frameQueue
        }
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
            // connections, two event loops): that poll still gets what it would have got had
            // it been read first, a noop; any later one 400 (issue 15).
            finalPollPackets = [.noop]
            keepForFinalPoll = true
        }
        lock.unlock()
        let framesToFlush = remainingFrames

        logger.debug("session closed", metadata: ["reason": "\(reason)"])
        if keepForFinalPoll {
            // The next poll collects the close packet; forget the session if none comes.
            eventLoop.scheduleTask(in: .milliseconds(configuration.pingTimeoutMilliseconds)) {
                self.endpoint.remove(self)
            }
        } else {
            endpoint.remove(self)
        }

        if let poll {
            let packets: [EnginePacket] = reason == .clientClose ? [.noop] : remainingPackets + [.close]
            poll.succeed(pollResponse(packets))
        }

        switch transport {
        case .polling:
            break
        case .upgrading(let link):
            link.channel.close(promise: nil)
        case .webSocket(let link):
            let version = protocolVersion
            link.channel.eventLoop.execute {
                switch reason {
                case .serverClose, .serverShutdown:
                    for frames in framesToFlush { link.writer.write(frames) }
                    var closePacket = link.channel.allocator.buffer(capacity: 4)
                    EnginePacket.close.writeWebSocketFrame(version: version, into: &closePacket)
                    link.writer.write(closePacket)
                    link.closeWithFrame(code: reason == .serverShutdown ? 1001 : 1000)
                case .pingTimeout, .clientClose:
                    link.closeWithFrame(code: 1000)
                case .parseError:
                    link.closeWithFrame(code: 1002)
                case .slowConsumer:
                    link.channel.close(promise: nil)
                case .transportClose, .transportError:
                    link.channel.close(promise: nil)
                }
            }
        }

        // Always later, on the loop: a close decided inside a caller's send (a slow consumer)
        // never calls back into that caller while it is still sending (and holding its locks).
        eventLoop.execute { self.finishOnLoop(reason: reason) }
    }

    private func finishOnLoop(reason: EngineCloseReason) {
        eventLoop.assertInEventLoop()
        heartbeatTask?.cancel()
        heartbeatTask = nil
        guard !delegateClosed else { return }
        delegateClosed = true
        endpoint.delegate.engineConnectionClosed(self, reason: reason)
    }
}
