import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// One Engine.IO session: the I/O around its ``EngineSessionStateMachine``.
///
/// Every decision (transport, bounded outbound queue, held poll, heartbeat deadlines, close) is
/// the state machine's, taken under `state`'s lock; this class then acts on it after releasing
/// the lock: answers polls, writes WebSocket frames, schedules timers, calls the delegate.
///
/// Threads: the delegate, the heartbeat timers and polling answers run on `eventLoop` (the loop
/// of the channel that made the handshake); WebSocket writes run on the WebSocket channel's
/// loop. Sends from any thread enqueue under the lock and schedule at most one flush. Time is
/// `eventLoop.now`, so sessions on an embedded loop run on virtual time.
final class EngineSession: EngineConnection, @unchecked Sendable {
    typealias StateMachine = EngineSessionStateMachine<EngineWebSocketLink, EventLoopPromise<EngineHTTPResponse>>

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
    private let logger: Logger
    private let state: NIOLockedValueBox<StateMachine>

    /// Only on the WebSocket channel's loop (asserted in `flushWebSocket`).
    private var drainQueue: [ByteBuffer] = []
    private var isDrainingWebSocket = false
    /// Only on `eventLoop`.
    private struct LoopState {
        var heartbeatTask: Scheduled<Void>?
        var delegateClosed = false
    }
    private let loopState: NIOLoopBoundBox<LoopState>

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
        // The endpoint's logger as it is: the session id goes into each message's metadata
        // (``log(_:_:metadata:)``), so a session holds no logger storage of its own.
        self.logger = logger
        state = NIOLockedValueBox(StateMachine(
            protocolVersion: protocolVersion, supportsBinary: supportsBinary && jsonpIndex == nil, webSocket: webSocket,
            configuration: configuration, now: eventLoop.now))
        loopState = NIOLoopBoundBox.makeBoxSendingValue(LoopState(), eventLoop: eventLoop)
    }

    /// Logs `message` at `level` with the session's id in its metadata.
    private func log(_ level: Logger.Level, _ message: @autoclosure () -> Logger.Message,
                     metadata: @autoclosure () -> Logger.Metadata = [:]) {
        logger.log(level: level, message(), metadata: metadata().merging(["engine.sid": .string(id)]) { own, _ in own })
    }

    /// The transport name for logs and tests.
    var transportName: String { state.withLockedValue { $0.transportName } }

    /// Whether a `GET` poll is held, waiting for packets.
    var hasPendingPoll: Bool { state.withLockedValue { $0.hasPendingPoll } }

    private var isClosed: Bool { state.withLockedValue { $0.isClosed } }

    // MARK: - EngineConnection

    @discardableResult
    func send(_ messages: [EngineMessage]) -> Bool {
        if messages.isEmpty { return !isClosed }
        var bytes = 0
        for message in messages {
            switch message {
            case .text(let text): bytes += text.utf8.count + 1
            case .binary(let data): bytes += data.readableBytes + 1
            }
        }
        return enqueue(.messages(messages, byteCount: bytes))
    }

    @discardableResult
    func send(_ shared: SharedEngineMessages) -> Bool {
        if shared.messages.isEmpty { return !isClosed }
        return enqueue(.shared(shared))
    }

    func close() {
        close(reason: .serverClose)
    }

    // MARK: - Outbound queue

    /// Queues packets (control packets such as ping/pong) on the current transport.
    @discardableResult
    func sendPacket(_ packet: EnginePacket) -> Bool {
        enqueue(.packet(packet))
    }

    /// Answers a WebSocket ping frame with `pong` (the framed pong). On the session's transport the
    /// pong goes through the bounded queue, so a client that pings and never reads is dropped as a
    /// slow consumer instead of growing the server's memory; on a link that is still a probe it is
    /// written only while the channel is writable, else the probe is closed.
    func answerWebSocketPing(_ pong: ByteBuffer, on link: EngineWebSocketLink) {
        if state.withLockedValue({ $0.isTransport(link) }) {
            enqueue(.webSocketFrame(pong))
        } else if link.channel.isWritable {
            link.writer.write(pong)
            link.writer.flush()
        } else {
            link.closeWithFrame(code: 1008)
        }
    }

    /// Queues under the lock, then (outside it) schedules the flush or closes a slow consumer.
    @discardableResult
    private func enqueue(_ outbound: StateMachine.Outbound) -> Bool {
        switch state.withLockedValue({ $0.enqueue(outbound) }) {
        case .closed:
            return false
        case let .overLimit(messages, bytes):
            log(.warning,
                "closing slow consumer: outbound queue bound exceeded",
                metadata: [
                    "queued.messages": "\(messages)", "queued.bytes": "\(bytes)",
                    "limit.messages": "\(configuration.maxQueuedMessages)",
                    "limit.bytes": "\(configuration.maxQueuedBytes)",
                ])
            close(reason: .slowConsumer)
            return false
        case .queued(flush: .webSocket(let link)):
            EngineFlushBatch.schedule(on: link.channel.eventLoop) { self.flushWebSocket(link) }
            return true
        case .queued(flush: .polling):
            EngineFlushBatch.schedule(on: eventLoop) { self.flushPolling() }
            return true
        case .queued(flush: nil):
            return true
        }
    }

    /// Writes queued frames to the WebSocket while the channel is writable. Runs on the link's
    /// loop. Writing can re-enter through a writability change; the running drain then picks
    /// up whatever was queued meanwhile.
    private func flushWebSocket(_ link: EngineWebSocketLink) {
        let loop = link.channel.eventLoop
        loop.assertInEventLoop()
        guard !isDrainingWebSocket else { return }
        isDrainingWebSocket = true
        defer { isDrainingWebSocket = false }
        while true {
            let now = loop.now
            let writable = link.channel.isWritable
            let step = state.withLockedValue { $0.nextWebSocketWrite(on: link, isWritable: writable, now: now, into: &drainQueue) }
            switch step {
            case .done:
                return
            case .writeDrained:
                for frames in drainQueue { link.writer.write(frames) }
                // Room for a few frames stays (the usual drain); a burst's larger array goes, so an
                // idle connection does not hold it.
                drainQueue.removeAll(keepingCapacity: drainQueue.capacity <= 4)
                link.writer.flush()
            case let .writePaced(unit, nextIn):
                link.writer.write(unit)
                link.writer.flush()
                if let nextIn { loop.scheduleTask(in: nextIn) { self.flushWebSocket(link) } }
                return
            case .retry(let wait):
                loop.scheduleTask(in: wait) { self.flushWebSocket(link) }
                return
            }
        }
    }

    /// The WebSocket channel became writable again.
    func webSocketWritable(_ link: EngineWebSocketLink) {
        if state.withLockedValue({ $0.hasQueuedFrames }) { flushWebSocket(link) }
    }

    /// Answers a held poll with the queued packets. Runs on `eventLoop`.
    private func flushPolling() {
        eventLoop.assertInEventLoop()
        guard let (poll, packets) = state.withLockedValue({ $0.takePollingFlush() }) else { return }
        poll.succeed(pollResponse(packets))
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
        pollResponse(state.withLockedValue { $0.handshakePackets(open: openPacket) })
    }

    /// A `GET` poll: answers at once if packets are queued, else holds the request.
    func handlePoll(_ promise: EventLoopPromise<EngineHTTPResponse>) {
        if heartbeatExpired() { close(reason: .pingTimeout) }
        let decision = state.withLockedValue { machine in
            machine.poll(promise) { $0.channel.eventLoop.inEventLoop }
        }
        switch decision {
        case .answer(let packets):
            promise.succeed(pollResponse(packets))
        case .answerFinal(let packets):
            endpoint.remove(self)
            promise.succeed(pollResponse(packets))
        case .refuse(let error):
            promise.succeed(error.response())
        case let .refuseAndClose(error, reason):
            log(.debug, "refusing a poll and closing the session", metadata: ["reason": "\(reason)"])
            promise.succeed(error.response())
            close(reason: reason)
        case .decideOnLinkLoop(let link):
            link.channel.eventLoop.execute { self.handlePoll(promise) }
        case .parkedForUpgrade(let link):
            // As the reference's 100 ms upgrade check: without a `5` by then, a noop. On the
            // WebSocket's loop, which reads frames that already arrived before it runs due
            // tasks: a `5` sent before this poll always wins, however late the loop gets to run.
            (link?.channel.eventLoop ?? eventLoop).scheduleTask(in: upgradeCheckInterval) {
                self.releaseParkedPoll(promise)
            }
        case .parked:
            break
        }
    }

    /// A WebSocket upgrade for this session was accepted; its 101 answer goes out before the
    /// WebSocket is set up (``beginUpgrade(_:)``), so polls read in between are held.
    func upgradeWasAccepted() {
        state.withLockedValue { $0.upgradeWasAccepted() }
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

    /// The upgrade packet did not come within `upgradeCheckInterval`: a held poll gets a noop.
    private func releaseParkedPoll(_ promise: EventLoopPromise<EngineHTTPResponse>) {
        guard let packets = state.withLockedValue({ $0.releaseParkedPoll(promise) }) else { return }
        promise.succeed(pollResponse(packets))
    }

    /// The connection of a held poll went away before it was answered.
    func pollConnectionClosed(_ promise: EventLoopPromise<EngineHTTPResponse>) {
        guard state.withLockedValue({ $0.pollConnectionClosed(promise) }) else { return }
        promise.fail(ChannelError.ioOnClosedChannel)
        close(reason: .transportError("poll connection closed prematurely"))
    }

    /// Whether a `POST` for this session is being received or answered.
    var hasActivePost: Bool { state.withLockedValue { $0.hasActivePost } }

    /// A `POST` for this session started; false if another one is still active.
    func beginPost() -> Bool { state.withLockedValue { $0.beginPost() } }

    /// The active `POST` was answered or abandoned.
    func endPost() { state.withLockedValue { $0.endPost() } }

    /// A `POST` with packets. Runs on `eventLoop`.
    func handlePost(body: ByteBuffer, isBinary: Bool) -> EngineHTTPResponse {
        switch state.withLockedValue({ $0.postTarget }) {
        case .closed: return EngineHTTPError.unknownSessionID.response()
        case .webSocket: return EngineHTTPError.badRequest.response()
        case .polling: break
        }
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
            log(.debug, "invalid polling payload; closing the session", metadata: ["error": "\(error)"])
            close(reason: .parseError)
            return EngineHTTPError.badRequest.response()
        }
        for packet in packets { receive(packet) }
        return EngineHTTPResponse(status: .ok, contentType: "text/html", text: "ok")
    }

    // MARK: - WebSocket

    /// A WebSocket with this session's id asks to take over; returns false if it may not.
    func beginUpgrade(_ link: EngineWebSocketLink) -> Bool {
        state.withLockedValue { $0.beginUpgrade(link) }
    }

    /// A packet from a WebSocket (direct or upgrading). Runs on the link's loop.
    func receive(_ packet: EnginePacket, from link: EngineWebSocketLink) {
        switch state.withLockedValue({ $0.webSocketPacket(packet, from: link) }) {
        case .deliver:
            receive(packet)
        case .answerProbe(let poll):
            link.writePacket(.pong("probe"), version: protocolVersion)
            poll?.succeed(pollResponse([.noop]))
        case let .upgraded(poll, refusePoll, flush):
            log(.debug, "upgraded to websocket")
            poll?.succeed(refusePoll ? EngineHTTPError.badRequest.response() : pollResponse([.noop]))
            if flush { flushWebSocket(link) }
        case .ignore:
            break
        }
    }

    /// A WebSocket frame could not be decoded, or was too large. Runs on the link's loop.
    func webSocketFailed(_ link: EngineWebSocketLink, reason: EngineCloseReason) {
        if webSocketEnded(link) { close(reason: reason) } else { link.channel.close(promise: nil) }
    }

    /// The WebSocket channel closed.
    func webSocketClosed(_ link: EngineWebSocketLink) {
        if webSocketEnded(link) { close(reason: .transportClose) }
    }

    /// Whether `link` was the transport; a probing link's end hands a held poll back to polling.
    private func webSocketEnded(_ link: EngineWebSocketLink) -> Bool {
        let end = state.withLockedValue { $0.webSocketEnded(link) }
        if end.flushPolling { eventLoop.execute { self.flushPolling() } }
        return end.wasTransport
    }

    // MARK: - Inbound packets

    /// Handles one packet from the client, on any transport.
    func receive(_ packet: EnginePacket) {
        if protocolVersion == .v3 {
            let now = eventLoop.now
            state.withLockedValue { $0.clientActivity(at: now) }
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
        guard !loopState.value.delegateClosed else { return }
        endpoint.delegate.engineConnection(self, received: message)
    }

    // MARK: - Lifecycle

    /// Tells the delegate about the new connection and starts the heartbeat. Runs on `eventLoop`.
    func start() {
        eventLoop.assertInEventLoop()
        endpoint.delegate.engineConnectionOpened(self)
        switch protocolVersion {
        case .v4: schedulePing()
        case .v3: scheduleClientPingCheck(in: state.withLockedValue { $0.clientPingDeadline })
        }
    }

    private func schedulePing() {
        let deadline = eventLoop.now + .milliseconds(configuration.pingIntervalMilliseconds)
        state.withLockedValue { $0.pingScheduled(at: deadline) }
        loopState.value.heartbeatTask = eventLoop.scheduleTask(deadline: deadline) {
            self.sendPing()
        }
    }

    private func sendPing() {
        let deadline = state.withLockedValue { $0.pingSent() }
        guard sendPacket(.ping(nil)) else { return }
        loopState.value.heartbeatTask = eventLoop.scheduleTask(deadline: deadline) {
            if self.state.withLockedValue({ $0.isAwaitingPong }) {
                self.log(.debug, "no pong within pingTimeout")
                self.close(reason: .pingTimeout)
            }
        }
    }

    /// Whether the heartbeat deadline has passed (checked when requests arrive, so an overdue
    /// session is not revived by a timer that has not fired yet).
    private func heartbeatExpired() -> Bool {
        let now = eventLoop.now
        return state.withLockedValue { $0.heartbeatExpired(at: now) }
    }

    private func pongReceived() {
        guard state.withLockedValue({ $0.pongReceived() }) else { return }
        if eventLoop.inEventLoop {
            loopState.value.heartbeatTask?.cancel()
            schedulePing()
        } else {
            eventLoop.execute {
                self.loopState.value.heartbeatTask?.cancel()
                if !self.isClosed { self.schedulePing() }
            }
        }
    }

    private func scheduleClientPingCheck(in delay: TimeAmount) {
        loopState.value.heartbeatTask = eventLoop.scheduleTask(in: delay) {
            let (deadline, now) = (self.state.withLockedValue { $0.lastClientActivity + $0.clientPingDeadline },
                                   self.eventLoop.now)
            if deadline <= now {
                self.log(.debug, "no ping from the client within pingInterval + pingTimeout")
                self.close(reason: .pingTimeout)
            } else {
                self.scheduleClientPingCheck(in: deadline - now)
            }
        }
    }

    /// Ends the session: answers or closes its transport, forgets it, tells the delegate.
    func close(reason: EngineCloseReason) {
        guard let closing = state.withLockedValue({ $0.close(reason: reason) }) else { return }
        log(.debug, "session closed", metadata: ["reason": "\(reason)"])
        if closing.keepForFinalPoll {
            // The next poll collects the close packet; forget the session if none comes.
            eventLoop.scheduleTask(in: .milliseconds(configuration.pingTimeoutMilliseconds)) {
                self.endpoint.remove(self)
            }
        } else {
            endpoint.remove(self)
        }
        closing.poll?.succeed(pollResponse(closing.pollPackets))

        switch closing.transport {
        case .polling:
            break
        case .upgrading(let link):
            link.channel.close(promise: nil)
        case .webSocket(let link):
            let version = protocolVersion
            let framesToFlush = closing.framesToFlush
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
                case .slowConsumer, .transportClose, .transportError:
                    link.channel.close(promise: nil)
                }
            }
        }

        // Always later, on the loop: a close decided inside a caller's send (a slow consumer)
        // never calls back into that caller while it is still sending (and holding its locks).
        eventLoop.execute { self.finishOnLoop(reason: reason) }
    }

    private func finishOnLoop(reason: EngineCloseReason) {
        loopState.value.heartbeatTask?.cancel()
        loopState.value.heartbeatTask = nil
        guard !loopState.value.delegateClosed else { return }
        loopState.value.delegateClosed = true
        endpoint.delegate.engineConnectionClosed(self, reason: reason)
    }
}
