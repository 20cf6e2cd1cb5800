import NIOCore
import NIOHTTP1

/// Collects HTTP requests (head and bounded body) and answers them through an Engine.IO
/// endpoint or the fallback handler. One request is handled at a time per connection
/// (NIO's pipelining handler holds back the next).
final class EngineHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: EngineHTTPRoutes
    private let rejection: EngineUpgradeRejection

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

    init(routes: EngineHTTPRoutes, rejection: EngineUpgradeRejection) {
        self.routes = routes
        self.rejection = rejection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
            bodyTooLarge = false
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
            respond(to: head, context: context)
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

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        if let rejected = rejection.take() {
            write(rejected, version: head.version, keepAlive: keepAlive, context: context)
            return
        }
        let request = EngineHTTPRequest(
            method: head.method, uri: head.uri, headers: head.headers, body: body,
            remoteAddress: context.channel.remoteAddress.map(EngineIOEndpoint.describe))
        body = ByteBuffer()
        let future: EventLoopFuture<EngineHTTPResponse>
        if let endpoint {
            future = endpoint.handle(request, eventLoop: context.eventLoop) { session, promise in
                self.parkedPoll = (session, promise)
            }
        } else if let fallback = routes.fallback {
            future = context.eventLoop.makeFutureWithTask { await fallback(request) }
        } else {
            future = context.eventLoop.makeSucceededFuture(EngineHTTPResponse(status: .notFound, text: "not found"))
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

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // Only a connection with nothing in progress is idle (a parked poll is in progress).
            if head == nil && !awaitingAnswer && activePost == nil {
                context.close(promise: nil)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
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
}
