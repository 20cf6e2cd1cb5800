import NIOCore
import NIOHTTP1

/// Closes an HTTP/1 connection that does not send a request in time (see
/// ``HTTPRequestDeadline``). Place it after the HTTP codec (and after NIO's pipelining handler,
/// so it sees one request at a time); it passes every part on unchanged.
public final class HTTPRequestDeadlineHandler<RequestPart: HTTPMessagePart, ResponsePart: HTTPMessagePart>:
    ChannelDuplexHandler, RemovableChannelHandler
{
    public typealias InboundIn = RequestPart
    public typealias InboundOut = RequestPart
    public typealias OutboundIn = ResponsePart
    public typealias OutboundOut = ResponsePart

    private let timeouts: HTTPRequestTimeouts
    private let onTimeout: @Sendable (HTTPRequestTimeoutKind) -> Void
    private var deadline: HTTPRequestDeadline?
    private var scheduled: Scheduled<Void>?

    /// - Parameters:
    ///   - timeouts: the time allowed for a request's head and body.
    ///   - onTimeout: called when a connection is closed for missing its deadline (to count it).
    public init(timeouts: HTTPRequestTimeouts, onTimeout: @escaping @Sendable (HTTPRequestTimeoutKind) -> Void = { _ in }) {
        self.timeouts = timeouts
        self.onTimeout = onTimeout
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        scheduled?.cancel()
        scheduled = nil
        deadline = nil
    }

    public func channelInactive(context: ChannelHandlerContext) {
        scheduled?.cancel()
        scheduled = nil
        context.fireChannelInactive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if part.isHead {
            perform(deadline?.headReceived(now: context.eventLoop.now), context: context)
        }
        if part.isEnd {
            perform(deadline?.endReceived(), context: context)
        }
        context.fireChannelRead(data)
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if unwrapOutboundIn(data).isEnd {
            perform(deadline?.answerSent(now: context.eventLoop.now), context: context)
        }
        context.write(data, promise: promise)
    }

    private func start(context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        let deadline = HTTPRequestDeadline(timeouts: timeouts, now: context.eventLoop.now)
        self.deadline = deadline
        perform(deadline.initialAction, context: context)
    }

    private func perform(_ action: HTTPRequestDeadline.Action?, context: ChannelHandlerContext) {
        guard let action else { return }
        switch action {
        case .schedule(let due):
            scheduled?.cancel()
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            scheduled = context.eventLoop.scheduleTask(deadline: due) {
                let (handler, context) = loopBound.value
                handler.perform(handler.deadline?.check(now: context.eventLoop.now), context: context)
            }
        case .cancel:
            scheduled?.cancel()
            scheduled = nil
        case .close(let kind):
            scheduled = nil
            onTimeout(kind)
            context.close(promise: nil)
        case .none:
            break
        }
    }
}
