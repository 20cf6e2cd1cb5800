import Logging
import NIOCore
import NIOConcurrencyHelpers
import NIOEmbedded
@testable import SocketIO
import Testing

/// Sessions on an embedded event loop: heartbeats, pacing and closes on virtual time, so the
/// deadlines of minutes are checked to the millisecond without waiting for them.
@Suite("Engine.IO session on virtual time")
struct EngineSessionVirtualTimeTests {
    /// A WebSocket session on an embedded channel and what it wrote.
    struct WebSocketSession {
        let loop = EmbeddedEventLoop()
        let delegate = EngineTestDelegate(echo: false)
        let channel: EmbeddedChannel
        let link: EngineWebSocketLink
        let session: EngineSession

        init(_ version: EngineProtocolVersion, _ change: (inout EngineIOConfiguration) -> Void = { _ in }) throws {
            var configuration = EngineIOConfiguration()
            configuration.pingInterval = .seconds(25)
            configuration.pingTimeout = .seconds(20)
            change(&configuration)
            let endpoint = try EngineIOEndpoint(configuration: configuration, delegate: delegate)
            let writer = EngineWebSocketWriter()
            channel = EmbeddedChannel(handler: writer, loop: loop)
            link = EngineWebSocketLink(channel: channel, writer: writer)
            session = EngineSession(
                id: "virtual", protocolVersion: version,
                request: EngineRequestInfo(headers: [], query: [:], remoteAddress: nil), supportsBinary: true,
                eventLoop: loop, webSocket: link, endpoint: endpoint, configuration: configuration,
                logger: Logger(label: "engine.test"))
            session.start()
        }

        /// The text of every frame written since the last call (server frames: unmasked).
        func written() throws -> [String] {
            var texts: [String] = []
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                while buffer.readableBytes >= 2, let header = buffer.readBytes(length: 2) {
                    var length = Int(header[1] & 0x7F)
                    if length == 126 { length = Int(buffer.readInteger(as: UInt16.self) ?? 0) }
                    if length == 127 { length = Int(buffer.readInteger(as: UInt64.self) ?? 0) }
                    let payload = buffer.readBytes(length: length) ?? []
                    texts.append(header[0] & 0x0F == 0x8 ? "close" : String(decoding: payload, as: UTF8.self))
                }
            }
            return texts
        }

        var closeReason: EngineCloseReason? { delegate.closeReason("virtual") }
    }

    @Test func aV4SessionPingsEveryIntervalAndClosesWhenNoPongComes() throws {
        let socket = try WebSocketSession(.v4)
        socket.loop.advanceTime(by: .seconds(25) - .milliseconds(1))
        #expect(try socket.written() == [])
        socket.loop.advanceTime(by: .milliseconds(1))
        #expect(try socket.written() == ["2"])
        // The pong comes 19 s later: the next ping is due 25 s after it.
        socket.loop.advanceTime(by: .seconds(19))
        socket.session.receive(.pong(nil), from: socket.link)
        socket.loop.advanceTime(by: .seconds(25) - .milliseconds(1))
        #expect(try socket.written() == [])
        #expect(socket.closeReason == nil)
        socket.loop.advanceTime(by: .milliseconds(1))
        #expect(try socket.written() == ["2"])
        // No pong this time: closed exactly pingTimeout after the ping.
        socket.loop.advanceTime(by: .seconds(20) - .milliseconds(1))
        #expect(socket.closeReason == nil)
        socket.loop.advanceTime(by: .milliseconds(1))
        #expect(socket.closeReason == .pingTimeout)
        #expect(try socket.written() == ["close"])
    }

    @Test func aV3SessionAnswersPingsAndClosesAfterPingIntervalPlusTimeoutOfSilence() throws {
        let socket = try WebSocketSession(.v3)
        socket.loop.advanceTime(by: .seconds(30))
        socket.session.receive(.ping(nil), from: socket.link)
        socket.loop.run()
        #expect(try socket.written() == ["3"])
        socket.loop.advanceTime(by: .seconds(45) - .milliseconds(1))
        #expect(socket.closeReason == nil, "45 s after the last ping, not before")
        socket.loop.advanceTime(by: .milliseconds(1))
        #expect(socket.closeReason == .pingTimeout)
    }

    /// A send past the bound closes the session, and the delegate hears of it only later, on
    /// the loop, never inside the send (issue 16).
    @Test func aSlowConsumerIsClosedAndTheDelegateToldAfterTheSend() throws {
        let socket = try WebSocketSession(.v4) { $0.maxQueuedMessages = 2 }
        socket.channel.isWritable = false
        #expect(socket.session.send([.text("a")]))
        #expect(socket.session.send([.text("b")]))
        #expect(!socket.session.send([.text("c")]))
        #expect(socket.closeReason == nil, "not inside the send")
        socket.loop.run()
        #expect(socket.closeReason == .slowConsumer)
        #expect(!socket.session.send([.text("d")]))
    }

    /// Paced writes go out one per spacing on the loop's clock.
    @Test func pacedWritesLeaveOnePerSpacing() throws {
        let socket = try WebSocketSession(.v4) { $0.webSocketWriteSpacing = .milliseconds(10) }
        for text in ["a", "b", "c"] { socket.session.send([.text(text)]) }
        socket.loop.run()
        #expect(try socket.written() == ["4a"])
        socket.loop.advanceTime(by: .milliseconds(9))
        #expect(try socket.written() == [])
        socket.loop.advanceTime(by: .milliseconds(1))
        #expect(try socket.written() == ["4b"])
        socket.loop.advanceTime(by: .milliseconds(10))
        #expect(try socket.written() == ["4c"])
    }

    /// A server close flushes what was queued, then the close packet and the close frame.
    @Test func aServerCloseFlushesTheQueueThenCloses() throws {
        let socket = try WebSocketSession(.v4)
        socket.channel.isWritable = false
        socket.session.send([.text("last")])
        socket.loop.run()
        socket.session.close()
        socket.loop.run()
        #expect(try socket.written() == ["4last", "1", "close"])
        #expect(socket.closeReason == .serverClose)
    }

    /// Flushes scheduled inside a batch wait for its end (nested batches join it), then run on
    /// their loops in the order scheduled, one task per loop; outside a batch they are scheduled
    /// at once.
    @Test func flushesScheduledInABatchWaitForItsEnd() {
        let first = EmbeddedEventLoop(), second = EmbeddedEventLoop()
        let ran = NIOLockedValueBox<[String]>([])
        EngineFlushBatch.coalescing {
            EngineFlushBatch.schedule(on: first) { ran.withLockedValue { $0.append("a") } }
            EngineFlushBatch.schedule(on: second) { ran.withLockedValue { $0.append("x") } }
            EngineFlushBatch.coalescing { EngineFlushBatch.schedule(on: first) { ran.withLockedValue { $0.append("b") } } }
            first.run()
            second.run()
            #expect(ran.withLockedValue { $0 }.isEmpty)
        }
        second.run()
        #expect(ran.withLockedValue { $0 } == ["x"])
        first.run()
        #expect(ran.withLockedValue { $0 } == ["x", "a", "b"])
        EngineFlushBatch.schedule(on: first) { ran.withLockedValue { $0.append("c") } }
        first.run()
        #expect(ran.withLockedValue { $0 } == ["x", "a", "b", "c"])
    }

    /// Sends in a batch reach the WebSocket in one drain, after the batch.
    @Test func sendsInABatchAreWrittenTogetherAfterIt() throws {
        let socket = try WebSocketSession(.v4)
        EngineFlushBatch.coalescing {
            socket.session.send([.text("a")])
            socket.loop.run()
            #expect(try! socket.written() == [], "nothing before the batch ends")
            socket.session.send([.text("b")])
        }
        socket.loop.run()
        #expect(try socket.written() == ["4a", "4b"])
    }
}
