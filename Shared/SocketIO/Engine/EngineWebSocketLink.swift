import NIOCore

/// A WebSocket transport of a session: its channel and the writer that bypasses NIO's encoder.
/// The writer is touched only on the channel's event loop (it asserts so).
final class EngineWebSocketLink: @unchecked Sendable {
    let channel: Channel
    let writer: EngineWebSocketWriter

    init(channel: Channel, writer: EngineWebSocketWriter) {
        self.channel = channel
        self.writer = writer
    }

    /// Writes a single Engine.IO packet frame and flushes (control traffic, not the fan-out path).
    func writePacket(_ packet: EnginePacket, version: EngineProtocolVersion) {
        var buffer = channel.allocator.buffer(capacity: 16)
        packet.writeWebSocketFrame(version: version, into: &buffer)
        writer.write(buffer)
        writer.flush()
    }

    /// Writes a close frame with `code` then closes the channel once it is written.
    func closeWithFrame(code: UInt16) {
        var buffer = channel.allocator.buffer(capacity: 4)
        WebSocketServerFrame.writeClose(code: code, into: &buffer)
        let promise = channel.eventLoop.makePromise(of: Void.self)
        writer.write(buffer, promise: promise)
        writer.flush()
        let channel = self.channel
        // A peer that does not read never lets the close frame out: close without it after a
        // second, so what is buffered for it is freed.
        let forced = channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        promise.futureResult.whenComplete { _ in
            forced.cancel()
            channel.close(promise: nil)
        }
    }
}
