import NIOCore

/// Holds one connection's slot in a ``ConnectionLimiter``: asks for it when the handler is added
/// to an active channel (or when the channel becomes active), closes the channel at once when it
/// is refused, and gives the slot back when the channel goes inactive or the handler is removed.
public final class ConnectionLimitHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = NIOAny

    private let limiter: ConnectionLimiter
    private var admission: ConnectionLimiter.Admission?
    private var asked = false

    init(limiter: ConnectionLimiter) {
        self.limiter = limiter
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { ask(context: context) }
    }

    public func channelActive(context: ChannelHandlerContext) {
        ask(context: context)
        context.fireChannelActive()
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A refused connection is closing: what it sent is not read.
        guard admission != nil else { return }
        context.fireChannelRead(data)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func ask(context: ChannelHandlerContext) {
        guard !asked else { return }
        asked = true
        switch limiter.admit(address: context.channel.remoteAddress?.ipAddress) {
        case .success(let admission):
            self.admission = admission
        case .failure:
            context.close(promise: nil)
        }
    }

    private func release() {
        guard let admission else { return }
        self.admission = nil
        limiter.release(admission)
    }
}
