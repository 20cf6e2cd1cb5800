import ConnectionGuard
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Collects HTTP requests (head and bounded body) and answers them through an Engine.IO
/// endpoint or the fallback handler. One request is handled at a time per connection
/// (NIO's pipelining handler holds back the next).
///
/// A WebSocket upgrade request for an endpoint is honoured whichever request of the connection
/// it is (as node's http server does): the handler answers 101, replaces the HTTP handlers with
/// the WebSocket frame codec and the endpoint's handlers, and leaves the pipeline.
final class EngineHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Where the connection is on its way from HTTP to WebSocket.
    private enum UpgradeState {
        /// Serving HTTP requests.
        case http
        /// The HTTP handlers are being removed; anything they still deliver is dropped.
        case removingHTTPHandlers
        /// 101 is sent; bytes read now are WebSocket frames, held until the frame decoder is in place.
        case installingWebSocket
    }

    private let routes: EngineHTTPRoutes
    /// Validates the handshake headers, computes `Sec-WebSocket-Accept` and installs the frame codec.
    private let upgrader: NIOWebSocketServerUpgrader
    private var upgradeState = UpgradeState.http
    /// Bytes read while the WebSocket handlers are being installed, for the frame decoder.
    private var heldWebSocketBytes: [NIOAny] = []
    /// The current request asks to switch protocols (`Connection: upgrade` with `Upgrade`).
    private var asksForUpgrade = false

    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var bodyLimit = 0
    private var bodyTooLarge = false
    private var endpoint: EngineIOEndpoint?
    private var parkedPoll: (session: EngineSession, promise: EventLoopPromise<EngineHTTPResponse>)?
    /// The session whose `POST` this connection is sending, from its head to its answer.
    private var activePost: EngineSession?
    /// A request was handed on and its answer is not written yet.
    private var awaitingAnswer = false

    init(routes: EngineHTTPRoutes, upgrader: NIOWebSocketServerUpgrader) {
        self.routes = routes
        self.upgrader = upgrader
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch upgradeState {
        case .http:
            break
        case .removingHTTPHandlers:
            // Requests pipelined after the upgrade request: never WebSocket frames.
            return
        case .installingWebSocket:
            heldWebSocketBytes.append(data)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            bodyTooLarge = false
            asksForUpgrade = Self.asksForUpgrade(head)
            let path = EngineQueryString.split(uri: head.uri).path
            endpoint = routes.endpoint(forPath: path)
            bodyLimit = endpoint?.configuration.maxPayload ?? routes.maxFallbackBodySize
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > bodyLimit {
                rejectOversizedBody(context: context)
            } else if let endpoint, head.method == .POST,
                let session = endpoint.pollingSession(query: EngineQueryString.split(uri: head.uri).query)
            {
                guard session.beginPost() else {
                    // A client must not have two POSTs active at once: 400, and the session ends.
                    self.head = nil
                    bodyTooLarge = true  // ignore the rest of this request
                    session.close(reason: .transportError("overlapping post requests"))
                    write(EngineHTTPError.badRequest.response(), version: head.version, keepAlive: false, context: context)
                    return
                }
                activePost = session
            }
            if self.head != nil, head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                // Clients such as curl wait for this before sending a larger body.
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(var chunk):
            guard !bodyTooLarge, head != nil else { return }
            if body.readableBytes + chunk.readableBytes > bodyLimit {
                rejectOversizedBody(context: context)
            } else {
                body.writeBuffer(&chunk)
            }
        case .end:
            guard let head = self.head else { return }
            self.head = nil
            if asksForUpgrade {
                answerUpgradeRequest(head, context: context)
            } else {
                respond(to: head, keepAlive: head.isKeepAlive, context: context)
            }
        }
    }

    /// Answers 413 at once and closes the connection instead of reading an endless body.
    private func rejectOversizedBody(context: ChannelHandlerContext) {
        guard let head else { return }
        self.head = nil
        bodyTooLarge = true
        body.clear()
        let response: EngineHTTPResponse
        if let endpoint {
            response = endpoint.rejectOversizedBody(query: EngineQueryString.split(uri: head.uri).query)
        } else {
            response = EngineHTTPResponse(status: .payloadTooLarge, text: "payload too large")
        }
        write(response, version: head.version, keepAlive: false, context: context)
    }

    private func respond(to head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        let request = EngineHTTPRequest(
            method: head.method, uri: head.uri, headers: head.headers, body: body,
            remoteAddress: context.channel.remoteAddress.map(EngineIOEndpoint.describe))
        body = ByteBuffer()
        let future: EventLoopFuture<EngineHTTPResponse>
        if let endpoint {
            future = endpoint.handle(request, eventLoop: context.eventLoop) { session, promise in
                self.parkedPoll = (session, promise)
            }
        } else {
            let eventLoop = context.eventLoop
            let fallback = routes.fallback
            let answer = { () -> EventLoopFuture<EngineHTTPResponse> in
                guard let fallback else {
                    return eventLoop.makeSucceededFuture(EngineHTTPResponse(status: .notFound, text: "not found"))
                }
                return eventLoop.makeFutureWithTask { await fallback(request) }
            }
            future = routes.fallbackCORS.map { $0.answer(request, on: eventLoop, answer) } ?? answer()
        }
        let version = head.version
        awaitingAnswer = true
        future.hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            self.awaitingAnswer = false
            self.parkedPoll = nil
            self.endPost()
            switch result {
            case .success(let response):
                self.write(response, version: version, keepAlive: keepAlive, context: context)
            case .failure:
                // A parked poll whose connection went away: nothing to answer.
                break
            }
        }
    }

    private func write(_ response: EngineHTTPResponse, version: HTTPVersion, keepAlive: Bool,
                       context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = response.headers
        headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        let close = !keepAlive || headers.first(name: "connection")?.lowercased() == "close"
        if close { headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status,
                                                             headers: headers))), promise: nil)
        if response.body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(response.body))), promise: nil)
        }
        if close {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    private func endPost() {
        activePost?.endPost()
        activePost = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        endPost()
        if let (session, promise) = parkedPoll {
            parkedPoll = nil
            session.pollConnectionClosed(promise)
        }
        context.fireChannelInactive()
    }

    // MARK: - WebSocket upgrade

    /// Whether a request asks to switch protocols: an `Upgrade` header and the `upgrade` token in
    /// `Connection`. NIO's HTTP decoder parses nothing after such a request.
    private static func asksForUpgrade(_ head: HTTPRequestHead) -> Bool {
        !head.headers[canonicalForm: "upgrade"].isEmpty
            && head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
    }

    /// Answers a request that asks to switch protocols. A WebSocket upgrade for an endpoint with
    /// valid handshake headers goes to the endpoint's checks (sid, probe rules, `allowRequest`);
    /// anything else is answered as an ordinary request. A connection that does not switch
    /// closes after the answer, since the HTTP decoder reads nothing after this request.
    private func answerUpgradeRequest(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        body = ByteBuffer()
        let (path, query) = EngineQueryString.split(uri: head.uri)
        let asksForWebSocket = head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
        guard asksForWebSocket, let endpoint = routes.endpoint(forPath: path) else {
            respond(to: head, keepAlive: false, context: context)
            return
        }
        awaitingAnswer = true
        let eventLoop = context.eventLoop
        let remoteAddress = context.channel.remoteAddress.map(EngineIOEndpoint.describe)
        upgrader.buildUpgradeResponse(channel: context.channel, upgradeRequest: head, initialResponseHeaders: [:])
            .hop(to: eventLoop).assumeIsolated().whenComplete { built in
                guard case .success(let responseHeaders) = built else {
                    // A missing or invalid Sec-WebSocket-Key or Sec-WebSocket-Version: an ordinary
                    // request for the endpoint, which refuses `transport=websocket` with 400.
                    self.awaitingAnswer = false
                    self.respond(to: head, keepAlive: false, context: context)
                    return
                }
                endpoint.upgradeRefusal(head: head, query: query, remoteAddress: remoteAddress, eventLoop: eventLoop)
                    .hop(to: eventLoop).assumeIsolated().whenComplete { decision in
                        self.awaitingAnswer = false
                        switch decision {
                        case .success(.none):
                            self.switchToWebSocket(head, responseHeaders: responseHeaders, context: context)
                        case .success(.some(let refusal)):
                            self.write(refusal, version: head.version, keepAlive: false, context: context)
                        case .failure:
                            context.close(promise: nil)
                        }
                    }
            }
    }

    /// Sends 101 and turns the connection into a WebSocket: the HTTP handlers leave (decoder
    /// first, so nothing after the upgrade request is parsed or taken for a frame), the frame
    /// codec and the endpoint's handlers come in, and this handler leaves last, handing on the
    /// bytes it held meanwhile.
    private func switchToWebSocket(_ head: HTTPRequestHead, responseHeaders: HTTPHeaders, context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let pipeline = context.pipeline.syncOperations
        upgradeState = .removingHTTPHandlers
        Self.remove(ByteToMessageHandler<HTTPRequestDecoder>.self, from: pipeline)
        Self.remove(HTTPServerPipelineHandler.self, from: pipeline)
        Self.remove(NIOHTTPResponseHeadersValidator.self, from: pipeline)
        Self.remove(HTTPServerProtocolErrorHandler.self, from: pipeline)
        // WebSocket sessions have their own heartbeat.
        Self.remove(HTTPRequestDeadlineHandler<HTTPServerRequestPart, HTTPServerResponsePart>.self, from: pipeline)
        upgradeState = .installingWebSocket
        let response = HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: responseHeaders)
        context.writeAndFlush(wrapOutboundOut(.head(response)), promise: nil)
        Self.remove(HTTPResponseEncoder.self, from: pipeline)
        upgrader.upgrade(context: context, upgradeRequest: head).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            case .failure:
                context.close(promise: nil)
            }
        }
    }

    private static func remove<Handler: RemovableChannelHandler>(
        _ type: Handler.Type, from pipeline: ChannelPipeline.SynchronousOperations
    ) {
        guard let handler = try? pipeline.handler(type: type) else { return }
        pipeline.removeHandler(handler, promise: nil)
    }

    func removeHandler(context: ChannelHandlerContext, removalToken: ChannelHandlerContext.RemovalToken) {
        // Hand the bytes read during the switch to the WebSocket frame decoder.
        let held = heldWebSocketBytes
        heldWebSocketBytes = []
        for data in held { context.fireChannelRead(data) }
        if !held.isEmpty { context.fireChannelReadComplete() }
        context.leavePipeline(removalToken: removalToken)
    }
}
