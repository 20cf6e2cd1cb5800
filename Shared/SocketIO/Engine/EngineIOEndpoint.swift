import JSON
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// One Engine.IO endpoint (a path such as `/socket.io/`) with its sessions.
///
/// Mount it on an `EngineIOServer`. Every connection is reported to `delegate`.
public final class EngineIOEndpoint: Sendable {
    /// The endpoint's settings.
    public let configuration: EngineIOConfiguration
    /// Receives the connections' events.
    let delegate: any EngineConnectionDelegate
    let logger: Logger
    private let sessions = NIOLockedValueBox(EngineSessionTable())
    /// Open WebSocket channels (including ones whose session already closed).
    private let openWebSockets = NIOLockedValueBox(0)
    private let refusedSessions = NIOLockedValueBox(0)
    /// Set when the server shuts down: new handshakes are refused.
    private let isShuttingDown = NIOLockedValueBox(false)

    /// Creates an endpoint; throws `EngineIOConfiguration.ValidationError` for unusable settings.
    public init(
        configuration: EngineIOConfiguration = EngineIOConfiguration(),
        delegate: any EngineConnectionDelegate,
        logger: Logger = Logger(label: "engine.io")
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        self.delegate = delegate
        self.logger = logger
    }

    /// The number of open sessions.
    public var connectionCount: Int {
        sessions.withLockedValue { $0.total }
    }

    /// The open connection with this session id, if any.
    public func connection(id: String) -> (any EngineConnection)? {
        sessions.withLockedValue { $0[id] }
    }

    /// Closes every session (`reason` `.serverShutdown` sends close packets first).
    public func closeAll(reason: EngineCloseReason = .serverShutdown) {
        let all = sessions.withLockedValue { Array($0.byID.values) }
        for session in all { session.close(reason: reason) }
    }

    /// Refuses new handshakes from now on (the server is shutting down).
    func beginShutdown() {
        isShuttingDown.withLockedValue { $0 = true }
    }

    /// Forgets every session (after shutdown: closed sessions no longer wait for a final poll).
    func forgetAllSessions() {
        sessions.withLockedValue { $0.removeAll() }
    }

    /// Whether a session (also a closed polling session waiting for its final poll) or a
    /// WebSocket channel is still open.
    var hasOpenTransports: Bool {
        sessions.withLockedValue { $0.total > 0 } || openWebSockets.withLockedValue { $0 > 0 }
    }

    /// The session a polling request (`transport=polling&sid=...`) is for, if it exists.
    func pollingSession(query: [String: String]) -> EngineSession? {
        guard query["transport"] == "polling", let sid = query["sid"] else { return nil }
        return session(id: sid)
    }

    func session(id: String) -> EngineSession? {
        sessions.withLockedValue { $0[id] }
    }

    func remove(_ session: EngineSession) {
        sessions.withLockedValue { $0.remove(session) }
    }

    /// Whether a request path belongs to this endpoint (with or without the trailing slash).
    func matches(path: String) -> Bool {
        path == configuration.path || path == configuration.normalizedPath
    }

    // MARK: - Request validation

    private enum Route {
        case handshake(EngineProtocolVersion)
        case existing(EngineSession)
    }

    private func route(method: HTTPMethod, query: [String: String], isWebSocketUpgrade: Bool)
        -> Result<Route, EngineHTTPError>
    {
        let transport = query["transport"]
        let transportAllowed =
            (transport == "polling" && configuration.allowPolling)
            || (transport == "websocket" && configuration.allowWebSocket)
        guard transportAllowed else { return .failure(.unknownTransport) }
        let version: EngineProtocolVersion
        switch query["EIO"] {
        case "4": version = .v4
        case "3" where configuration.allowEIO3: version = .v3
        default: return .failure(.unsupportedProtocolVersion)
        }
        if transport == "websocket" && !isWebSocketUpgrade { return .failure(.badRequest) }
        if let sid = query["sid"] {
            guard let session = session(id: sid) else { return .failure(.unknownSessionID) }
            guard session.protocolVersion == version else { return .failure(.badRequest) }
            if isWebSocketUpgrade {
                // A second WebSocket for a session is accepted and then closed at once
                // (`beginUpgrade` refuses it), as the reference server does.
                guard configuration.allowUpgrades else { return .failure(.badRequest) }
            } else if method != .GET && method != .POST {
                return .failure(.badRequest)
            }
            return .success(.existing(session))
        }
        guard method == .GET else { return .failure(.badHandshakeMethod) }
        if isShuttingDown.withLockedValue({ $0 }) { return .failure(.serverShuttingDown) }
        return .success(.handshake(version))
    }

    private func requestInfo(headers: HTTPHeaders, query: [String: String], remoteAddress: String?)
        -> EngineRequestInfo
    {
        EngineRequestInfo(
            headers: headers.map { (name: $0.name.lowercased(), value: $0.value) }, query: query,
            remoteAddress: remoteAddress)
    }

    /// Runs the `allowRequest` hook, if any, on `eventLoop`.
    private func checkHandshake(_ info: EngineRequestInfo, on eventLoop: EventLoop)
        -> EventLoopFuture<EngineHandshakeDecision>
    {
        guard let allowRequest = configuration.allowRequest else { return eventLoop.makeSucceededFuture(.accept) }
        return eventLoop.makeFutureWithTask { await allowRequest(info) }
    }

    private static func makeSessionID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<15).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var id = Base64.encode(bytes)
        id = String(id.map { $0 == "+" ? "-" : ($0 == "/" ? "_" : $0) })
        return id
    }

    private func openPacket(sid: String, version: EngineProtocolVersion, upgrades: Bool) -> EnginePacket {
        var json = "{\"sid\":\"\(sid)\",\"upgrades\":[\(upgrades ? "\"websocket\"" : "")]"
        json += ",\"pingInterval\":\(configuration.pingIntervalMilliseconds)"
        json += ",\"pingTimeout\":\(configuration.pingTimeoutMilliseconds)"
        if version == .v4 { json += ",\"maxPayload\":\(configuration.maxPayload)" }
        json += "}"
        return .open(json)
    }

    /// Registers a new session; false (and the refusal counted) when a session cap is reached.
    private func register(_ session: EngineSession) -> Bool {
        let configuration = self.configuration
        let added = sessions.withLockedValue { $0.add(session, configuration: configuration) }
        if !added { onSessionRefused() }
        return added
    }

    /// Whether a handshake from `remoteAddress` would fit under the session caps now.
    private func admitsSession(from remoteAddress: String?) -> Bool {
        let configuration = self.configuration
        let address = EngineSessionTable.address(of: remoteAddress)
        return sessions.withLockedValue { $0.admits(address, configuration: configuration) }
    }

    private func onSessionRefused() {
        refusedSessions.withLockedValue { $0 += 1 }
        configuration.onSessionRefused?()
    }

    /// Handshakes refused because a session cap was reached.
    public var refusedSessionCount: Int { refusedSessions.withLockedValue { $0 } }

    // MARK: - HTTP requests

    /// Answers an HTTP request for this endpoint. A parked `GET` poll is reported through
    /// `parked` so the caller can tell the session if its connection goes away.
    func handle(
        _ request: EngineHTTPRequest, eventLoop: EventLoop,
        parked: (EngineSession, EventLoopPromise<EngineHTTPResponse>) -> Void
    ) -> EventLoopFuture<EngineHTTPResponse> {
        guard let cors = configuration.cors else { return answer(request, eventLoop: eventLoop, parked: parked) }
        return cors.answer(request, on: eventLoop) { answer(request, eventLoop: eventLoop, parked: parked) }
    }

    private func answer(
        _ request: EngineHTTPRequest, eventLoop: EventLoop,
        parked: (EngineSession, EventLoopPromise<EngineHTTPResponse>) -> Void
    ) -> EventLoopFuture<EngineHTTPResponse> {
        switch route(method: request.method, query: request.query, isWebSocketUpgrade: false) {
        case .failure(let error):
            return eventLoop.makeSucceededFuture(error.response())
        case .success(.existing(let session)):
            if request.method == .GET {
                let promise = eventLoop.makePromise(of: EngineHTTPResponse.self)
                parked(session, promise)
                session.handlePoll(promise)
                return promise.futureResult
            }
            let isBinary = request.headers.first(name: "content-type")?.lowercased()
                .hasPrefix(EnginePollingPayload.binaryContentType) ?? false
            let body = request.body
            if session.eventLoop.inEventLoop {
                return eventLoop.makeSucceededFuture(session.handlePost(body: body, isBinary: isBinary))
            }
            return session.eventLoop.submit { session.handlePost(body: body, isBinary: isBinary) }
                .hop(to: eventLoop)
        case .success(.handshake(let version)):
            let info = requestInfo(headers: request.headers, query: request.query, remoteAddress: request.remoteAddress)
            return checkHandshake(info, on: eventLoop).map { decision in
                if case .reject(let message) = decision {
                    return EngineHTTPError.forbidden.response(message: message)
                }
                let sid = Self.makeSessionID()
                let session = EngineSession(
                    id: sid, protocolVersion: version, request: info,
                    supportsBinary: version == .v4 || request.query["b64"] == nil,
                    jsonpIndex: EngineJSONP.callbackIndex(query: request.query), eventLoop: eventLoop,
                    webSocket: nil, endpoint: self, configuration: self.configuration, logger: self.logger)
                guard self.register(session) else { return EngineHTTPError.serverFull.response() }
                session.start()
                let upgrades = self.configuration.allowWebSocket && self.configuration.allowUpgrades
                return session.handshakeResponse(
                    openPacket: self.openPacket(sid: sid, version: version, upgrades: upgrades))
            }
        }
    }

    /// Answers a body that exceeded `maxPayload`: 413, and the session (if any) is closed.
    func rejectOversizedBody(query: [String: String]) -> EngineHTTPResponse {
        if let sid = query["sid"], let session = session(id: sid) {
            session.close(reason: .transportError("payload too large"))
        }
        var response = EngineHTTPResponse(status: .payloadTooLarge, text: "payload too large")
        response.headers.add(name: "Connection", value: "close")
        return response
    }

    // MARK: - WebSocket upgrades

    /// Decides a WebSocket upgrade request: nil lets it through, a response refuses it.
    func upgradeRefusal(
        head: HTTPRequestHead, query: [String: String], remoteAddress: String?, eventLoop: EventLoop
    ) -> EventLoopFuture<EngineHTTPResponse?> {
        switch route(method: head.method, query: query, isWebSocketUpgrade: true) {
        case .failure(let error):
            return eventLoop.makeSucceededFuture(error.response())
        case .success(.existing):
            if let sid = query["sid"] { session(id: sid)?.upgradeWasAccepted() }
            return eventLoop.makeSucceededFuture(nil)
        case .success(.handshake):
            guard admitsSession(from: remoteAddress) else {
                onSessionRefused()
                return eventLoop.makeSucceededFuture(EngineHTTPError.serverFull.response())
            }
            let info = requestInfo(headers: head.headers, query: query, remoteAddress: remoteAddress)
            return checkHandshake(info, on: eventLoop).map { decision in
                if case .reject(let message) = decision {
                    return EngineHTTPError.forbidden.response(message: message)
                }
                return nil
            }
        }
    }

    /// Sets up an upgraded channel: frame aggregation, the raw frame writer, the session.
    func webSocketUpgraded(channel: Channel, head: HTTPRequestHead, query: [String: String]) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let writer = EngineWebSocketWriter()
            let link = EngineWebSocketLink(channel: channel, writer: writer)
            let openWebSockets = self.openWebSockets
            openWebSockets.withLockedValue { $0 += 1 }
            channel.closeFuture.whenComplete { _ in openWebSockets.withLockedValue { $0 -= 1 } }
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(writer, position: .first)
            try pipeline.addHandler(
                NIOWebSocketFrameAggregator(
                    minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1 << 16,
                    maxAccumulatedFrameSize: configuration.maxPayload))
            let version: EngineProtocolVersion = query["EIO"] == "3" ? .v3 : .v4
            let session: EngineSession
            if let sid = query["sid"] {
                guard let existing = self.session(id: sid), existing.beginUpgrade(link) else {
                    link.closeWithFrame(code: 1008)
                    return
                }
                session = existing
                try pipeline.addHandler(EngineWebSocketHandler(session: session, link: link))
            } else {
                let info = requestInfo(
                    headers: head.headers, query: query, remoteAddress: channel.remoteAddress.map(Self.describe))
                session = EngineSession(
                    id: Self.makeSessionID(), protocolVersion: version, request: info, supportsBinary: true,
                    eventLoop: channel.eventLoop, webSocket: link, endpoint: self, configuration: configuration,
                    logger: logger)
                guard register(session) else {
                    // The caps filled up since the upgrade was accepted: try again later.
                    link.closeWithFrame(code: 1013)
                    return
                }
                try pipeline.addHandler(EngineWebSocketHandler(session: session, link: link))
                link.writePacket(openPacket(sid: session.id, version: version, upgrades: false), version: version)
                session.start()
            }
        }
    }

    static func describe(_ address: SocketAddress) -> String {
        if let ip = address.ipAddress, let port = address.port { return "\(ip):\(port)" }
        return "\(address)"
    }
}
