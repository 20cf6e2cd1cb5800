import NIOCore

/// Writes pre-encoded WebSocket frames straight to the socket.
///
/// It sits first in the pipeline (next to the head) so its context's writes skip NIO's
/// per-channel `WebSocketFrameEncoder`: the bytes it writes are complete server frames,
/// often one buffer shared by many connections. Use it only on its channel's event loop.
final class EngineWebSocketWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Queues bytes for the socket.
    @inline(__always)
    func write(_ bytes: ByteBuffer) {
        guard let context else { return }
        context.eventLoop.assertInEventLoop()
        context.write(wrapOutboundOut(bytes), promise: nil)
    }

    /// Queues bytes for the socket and reports when they are written.
    func write(_ bytes: ByteBuffer, promise: EventLoopPromise<Void>?) {
        if let context {
            context.eventLoop.assertInEventLoop()
            context.write(wrapOutboundOut(bytes), promise: promise)
        } else {
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    /// Sends queued bytes.
    func flush() {
        guard let context else { return }
        context.eventLoop.assertInEventLoop()
        context.flush()
    }
}
