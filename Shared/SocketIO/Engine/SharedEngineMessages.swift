import NIOCore

/// Engine.IO messages encoded once and handed, as the same bytes, to many connections.
///
/// The engine layer fills in transport encodings (for example complete WebSocket frames for
/// each protocol revision) when it is created, so a broadcast costs one encode and then one
/// buffer append per connection.
public final class SharedEngineMessages: Sendable {
    /// The messages, in order.
    public let messages: [EngineMessage]

    /// All messages as complete, unmasked WebSocket server frames for Engine.IO v4, in one buffer.
    let webSocketFramesV4: ByteBuffer
    /// The same for Engine.IO v3 (binary frames carry the `0x04` type prefix). When there is no
    /// binary message this is the very same storage as `webSocketFramesV4`.
    let webSocketFramesV3: ByteBuffer
    /// Payload bytes of the messages (text UTF-8 length or binary length), for queue accounting.
    let payloadByteCount: Int

    /// Encodes `messages` once, in order, for every transport and protocol revision.
    public init(_ messages: [EngineMessage]) {
        self.messages = messages
        var payloadBytes = 0
        var frameBytes = 0
        var hasBinary = false
        for message in messages {
            let length: Int
            switch message {
            case .text(let text): length = text.utf8.count + 1
            case .binary(let data):
                length = data.readableBytes + 1
                hasBinary = true
            }
            payloadBytes += length
            frameBytes += WebSocketServerFrame.headerSize(payloadLength: length) + length
        }
        var v4 = ByteBufferAllocator().buffer(capacity: frameBytes)
        for message in messages { WebSocketServerFrame.writeMessage(message, version: .v4, into: &v4) }
        self.webSocketFramesV4 = v4
        if hasBinary {
            var v3 = ByteBufferAllocator().buffer(capacity: frameBytes)
            for message in messages { WebSocketServerFrame.writeMessage(message, version: .v3, into: &v3) }
            self.webSocketFramesV3 = v3
        } else {
            self.webSocketFramesV3 = v4
        }
        self.payloadByteCount = payloadBytes
    }

    /// The coalesced WebSocket frames for a protocol revision.
    @inline(__always)
    func webSocketFrames(for version: EngineProtocolVersion) -> ByteBuffer {
        version == .v4 ? webSocketFramesV4 : webSocketFramesV3
    }
}
