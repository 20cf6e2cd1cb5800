import NIOCore

/// One load-generator client: an Engine.IO v4 / Socket.IO v5 WebSocket client written against
/// the wire protocol. It upgrades with `GET /socket.io/?EIO=4&transport=websocket`, answers the
/// open packet with a CONNECT (`40`), Engine.IO pings with pongs (as an Engine.IO v3 client,
/// ``LoadClientSetup/engineIOv3``: `EIO=3`, no CONNECT, and it pings every `pingInterval` the
/// open packet names), and turns every event its
/// ``LoadEventMatcher`` matches (by default `42["tick",{…,"t":µs,…}]`) into a delivery count and
/// a latency sample. With a ``LoadClientSetup`` it presents a token (CONNECT auth payload or
/// `?token=`) and emits `subscribe` once connected, counting as connected at the acknowledgement.
final class LoadClient: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let host: String
    private let matcher: LoadEventMatcher
    private let counters: LoadCounters
    private let statistics: LoadClientStatistics
    private let setup: LoadClientSetup
    private var upgraded = false
    private var joined = false
    private var pending = ByteBuffer()
    /// The Engine.IO v3 client's pings, while connected.
    private var pings: RepeatedTask?

    init(
        host: String, matcher: LoadEventMatcher = .tick, counters: LoadCounters, statistics: LoadClientStatistics,
        setup: LoadClientSetup = .plain
    ) {
        self.host = host
        self.matcher = matcher
        self.counters = counters
        self.statistics = statistics
        self.setup = setup
    }

    func channelActive(context: ChannelHandlerContext) {
        let request = "GET \(setup.requestTarget) HTTP/1.1\r\nHost: \(host)\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pings?.cancel()
        pings = nil
        if !counters.stopping.load(ordering: .relaxed) {
            counters.dropped.add(1, ordering: .relaxed)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if !upgraded {
            pending.writeBuffer(&bytes)
            guard let end = pending.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            guard pending.readableBytesView.starts(with: Array("HTTP/1.1 101".utf8)) else {
                context.close(promise: nil)
                return
            }
            pending.moveReaderIndex(to: end.upperBound)
            upgraded = true
            bytes = pending
            pending = ByteBuffer()
        } else if pending.readableBytes > 0 {
            pending.writeBuffer(&bytes)
            bytes = pending
            pending = ByteBuffer()
        }
        processFrames(context: context, buffer: &bytes)
        if bytes.readableBytes > 0 { pending = bytes }
    }

    /// Handles every complete frame in `buffer`, leaving a partial one unread.
    private func processFrames(context: ChannelHandlerContext, buffer: inout ByteBuffer) {
        let now = WallClock.microseconds()
        let windowFrom = counters.windowFrom.load(ordering: .relaxed)
        let windowUntil = counters.windowUntil.load(ordering: .relaxed)
        let inWindow = now >= windowFrom && now < windowUntil
        var ticks = 0
        var malformed = 0
        var replies: [ByteBuffer] = []
        var close = false
        while buffer.readableBytes >= 2 {
            let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
            let second = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self)! & 0x7F
            var header = 2
            var length = Int(second)
            if second == 126 {
                guard buffer.readableBytes >= 4 else { break }
                length = Int(buffer.getInteger(at: buffer.readerIndex + 2, as: UInt16.self)!)
                header = 4
            } else if second == 127 {
                guard buffer.readableBytes >= 10 else { break }
                length = Int(buffer.getInteger(at: buffer.readerIndex + 2, as: UInt64.self)!)
                header = 10
            }
            guard buffer.readableBytes >= header + length else { break }
            switch first & 0x0F {
            case 0x1:  // text
                buffer.withUnsafeReadableBytes { raw in
                    let payload = UnsafeRawBufferPointer(rebasing: raw[(header)..<(header + length)])
                    switch Self.classify(payload, matcher: matcher) {
                    case .tick(let sentAt):
                        ticks += 1
                        if inWindow {
                            if statistics.histogram == nil { statistics.histogram = LatencyHistogram() }
                            statistics.histogram!.record(microseconds: now - sentAt)
                        }
                    case .open:
                        if let connect = setup.connectPacket {
                            replies.append(Self.maskedTextFrame(connect))
                        } else if pings == nil {
                            let interval = Self.pingInterval(payload) ?? 25_000
                            let channel = context.channel
                            pings = context.eventLoop.scheduleRepeatedTask(
                                initialDelay: .milliseconds(interval), delay: .milliseconds(interval)
                            ) { _ in channel.writeAndFlush(Self.maskedTextFrame("2"), promise: nil) }
                        }
                    case .pong: break
                    case .ping: replies.append(Self.maskedTextFrame("3"))
                    case .connected:
                        if !joined {
                            if let subscribe = setup.subscribePacket {
                                replies.append(Self.maskedTextFrame(subscribe))
                            } else {
                                joined = true
                                counters.connected.add(1, ordering: .relaxed)
                                if setup.engineIOv3 { counters.connectedEIO3.add(1, ordering: .relaxed) }
                            }
                        }
                    case .ack(let refused):
                        if !joined, setup.subscribePacket != nil {
                            if refused {
                                counters.refused.add(1, ordering: .relaxed)
                                close = true
                            } else {
                                joined = true
                                counters.connected.add(1, ordering: .relaxed)
                                if setup.engineIOv3 { counters.connectedEIO3.add(1, ordering: .relaxed) }
                            }
                        }
                    case .connectError:
                        counters.refused.add(1, ordering: .relaxed)
                        close = true
                    case .closed: close = true
                    case .otherEvent: break
                    case .other: malformed += 1
                    }
                }
            case 0x8: close = true
            case 0x9:  // WebSocket ping: answer with an empty pong
                var pong = ByteBuffer()
                pong.writeBytes([0x8A, 0x80, 0, 0, 0, 0])
                replies.append(pong)
            case 0xA: break
            default: malformed += 1
            }
            buffer.moveReaderIndex(forwardBy: header + length)
        }
        statistics.allDeliveries += ticks
        if inWindow { statistics.deliveries += ticks }
        if malformed > 0 { counters.malformed.add(malformed, ordering: .relaxed) }
        if !replies.isEmpty {
            for reply in replies { context.write(wrapOutboundOut(reply), promise: nil) }
            context.flush()
        }
        if close { context.close(promise: nil) }
    }

    /// What a text frame carries.
    enum Message: Equatable {
        case open, ping, pong, connected, closed, other
        /// A Socket.IO CONNECT_ERROR (`44…`), e.g. `unauthorized`.
        case connectError
        /// An acknowledgement (`43<id>[…]`); `refused` when its first argument is `{"error": …}`.
        case ack(refused: Bool)
        /// An event the matcher does not count (another name, or a non-object payload).
        case otherEvent
        case tick(sentAt: Int64)
    }

    /// Classifies one Engine.IO text packet.
    static func classify(_ payload: UnsafeRawBufferPointer, matcher: LoadEventMatcher) -> Message {
        guard let kind = payload.first else { return .other }
        switch kind {
        case UInt8(ascii: "0"): return .open
        case UInt8(ascii: "2"): return .ping
        case UInt8(ascii: "3"): return .pong
        case UInt8(ascii: "1"): return .closed
        case UInt8(ascii: "4"):
            guard payload.count >= 2 else { return .other }
            switch payload[1] {
            case UInt8(ascii: "0"): return .connected
            case UInt8(ascii: "1"): return .closed
            case UInt8(ascii: "3"):
                var index = 2
                while index < payload.count, payload[index] >= 0x30, payload[index] <= 0x39 { index += 1 }
                return .ack(refused: payload[index...].starts(with: Array(#"[{"error""#.utf8)))
            case UInt8(ascii: "4"): return .connectError
            case UInt8(ascii: "2"):
                guard let sentAt = matcher.sentAt(payload) else { return .otherEvent }
                return .tick(sentAt: sentAt)
            default: return .other
            }
        default: return .other
        }
    }

    /// The `pingInterval` (ms) of an open packet (`0{"sid":…,"pingInterval":25000,…}`).
    static func pingInterval(_ payload: UnsafeRawBufferPointer) -> Int64? {
        guard let name = payload.firstRange(of: Array(#""pingInterval":"#.utf8)) else { return nil }
        var value: Int64 = 0
        var index = name.upperBound
        while index < payload.count, payload[index] >= 0x30, payload[index] <= 0x39, value < 10_000_000 {
            value = value * 10 + Int64(payload[index] - 0x30)
            index += 1
        }
        return index > name.upperBound && value > 0 ? value : nil
    }

    /// A client-to-server (masked) WebSocket text frame carrying `text`.
    static func maskedTextFrame(_ text: String) -> ByteBuffer {
        let payload = Array(text.utf8)
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        var frame = ByteBuffer()
        frame.reserveCapacity(payload.count + 8)
        frame.writeInteger(UInt8(0x81))
        if payload.count < 126 {
            frame.writeInteger(UInt8(0x80 | payload.count))
        } else {
            frame.writeInteger(UInt8(0x80 | 126))
            frame.writeInteger(UInt16(payload.count))
        }
        frame.writeBytes(mask)
        for (index, byte) in payload.enumerated() { frame.writeInteger(byte ^ mask[index & 3]) }
        return frame
    }
}
