import NIOCore
import NIOWebSocket

/// Reads WebSocket frames of one Engine.IO session and feeds its packets to the session.
final class EngineWebSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame

    private let session: EngineSession
    private let link: EngineWebSocketLink
    private var closing = false

    init(session: EngineSession, link: EngineWebSocketLink) {
        self.session = session
        self.link = link
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard !closing else { return }
        switch frame.opcode {
        case .text:
            let payload = frame.unmaskedData
            do {
                let packet = try EnginePacket.decode(text: payload.readableBytesView, version: session.protocolVersion)
                session.receive(packet, from: link)
            } catch {
                closing = true
                session.webSocketFailed(link, reason: .parseError)
            }
        case .binary:
            do {
                let packet = try EnginePacket.decode(binaryFrame: frame.unmaskedData, version: session.protocolVersion)
                session.receive(packet, from: link)
            } catch {
                closing = true
                session.webSocketFailed(link, reason: .parseError)
            }
        case .ping:
            var buffer = context.channel.allocator.buffer(capacity: frame.length + 2)
            WebSocketServerFrame.writeControl(.pong, payload: frame.unmaskedData, into: &buffer)
            session.answerWebSocketPing(buffer, on: link)
        case .connectionClose:
            closing = true
            var code: UInt16 = 1000
            var payload = frame.unmaskedData
            if let received = payload.readInteger(as: UInt16.self) { code = received }
            link.closeWithFrame(code: code == 1005 || code == 1006 ? 1000 : code)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        session.webSocketClosed(link)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { session.webSocketWritable(link) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard !closing else { return }
        closing = true
        let tooLarge: Bool
        switch error {
        case NIOWebSocketError.invalidFrameLength,
            NIOWebSocketFrameAggregator.Error.accumulatedFrameSizeIsTooLarge,
            NIOWebSocketFrameAggregator.Error.tooManyFragments:
            tooLarge = true
        default:
            tooLarge = false
        }
        let reason: EngineCloseReason = tooLarge ? .transportError("message too large") : .transportError("\(error)")
        // The session first, so it records this reason before the close below ends the channel.
        session.webSocketFailed(link, reason: reason)
        link.closeWithFrame(code: tooLarge ? 1009 : 1002)
    }
}
