import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SocketIO
import Synchronization

/// `sio-conformance benchmark [clients] [seconds] [batch] [messageBytes]`: measures broadcast
/// fan-out over WebSocket in one process: N raw WebSocket clients count the frames they get
/// while the server sends `SharedEngineMessages` of `batch` messages to every connection.
enum FanOutBenchmark {
    /// Collects the connections the benchmark broadcasts to.
    final class Collector: EngineConnectionDelegate {
        let connections = NIOLockedValueBox<[any EngineConnection]>([])
        let closed = NIOLockedValueBox<[EngineCloseReason]>([])

        func engineConnectionOpened(_ connection: any EngineConnection) {
            connections.withLockedValue { $0.append(connection) }
        }

        func engineConnection(_ connection: any EngineConnection, received message: EngineMessage) {}

        func engineConnectionClosed(_ connection: any EngineConnection, reason: EngineCloseReason) {
            closed.withLockedValue { $0.append(reason) }
        }
    }

    /// A frame counter shared by all clients.
    final class Counter: Sendable {
        private let value = Synchronization.Atomic<Int>(0)

        func add(_ count: Int) { value.add(count, ordering: .relaxed) }
        func load() -> Int { value.load(ordering: .relaxed) }
    }

    /// A WebSocket client that upgrades, then only counts the frames it receives.
    final class CountingClient: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let received: Counter
        private let path: String
        private var upgraded = false
        private var pending = ByteBuffer()
        /// Payload bytes of the current frame still to skip.
        private var skip = 0

        init(received: Counter, path: String) {
            self.received = received
            self.path = path
        }

        func channelActive(context: ChannelHandlerContext) {
            let request = "GET \(path)?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: request)), promise: nil)
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            if !upgraded {
                pending.writeBuffer(&bytes)
                guard let end = pending.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
                pending.moveReaderIndex(to: end.upperBound)
                upgraded = true
                bytes = pending
                pending = ByteBuffer()
            } else if pending.readableBytes > 0 {
                pending.writeBuffer(&bytes)
                bytes = pending
                pending = ByteBuffer()
            }
            var frames = 0
            while true {
                if skip > 0 {
                    let step = min(skip, bytes.readableBytes)
                    bytes.moveReaderIndex(forwardBy: step)
                    skip -= step
                    if skip > 0 { break }
                }
                guard bytes.readableBytes >= 2 else { break }
                let second = bytes.getInteger(at: bytes.readerIndex + 1, as: UInt8.self)! & 0x7F
                var header = 2
                var length = Int(second)
                if second == 126 {
                    guard bytes.readableBytes >= 4 else { break }
                    length = Int(bytes.getInteger(at: bytes.readerIndex + 2, as: UInt16.self)!)
                    header = 4
                } else if second == 127 {
                    guard bytes.readableBytes >= 10 else { break }
                    length = Int(bytes.getInteger(at: bytes.readerIndex + 2, as: UInt64.self)!)
                    header = 10
                }
                bytes.moveReaderIndex(forwardBy: header)
                skip = length
                frames += 1
            }
            if bytes.readableBytes > 0 { pending.writeBuffer(&bytes) }
            if frames > 0 { received.add(frames) }
        }
    }

    static func run(arguments: [String]) async throws {
        let clientCount = arguments.count > 0 ? Int(arguments[0]) ?? 1000 : 1000
        let seconds = arguments.count > 1 ? Double(arguments[1]) ?? 5 : 5
        let batch = arguments.count > 2 ? Int(arguments[2]) ?? 16 : 16
        let messageBytes = arguments.count > 3 ? Int(arguments[3]) ?? 100 : 100

        let collector = Collector()
        let endpoint = try EngineIOEndpoint(
            configuration: EngineIOConfiguration(path: "/socket.io/", pingInterval: .seconds(60), pingTimeout: .seconds(60)),
            delegate: collector)
        let server = EngineIOServer(host: "127.0.0.1", port: 0, endpoints: [endpoint])
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount / 2))
        let received = Counter()

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.boundPort
            var channels: [Channel] = []
            for _ in 0..<clientCount {
                let channel = try await ClientBootstrap(group: clientGroup)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                CountingClient(received: received, path: "/socket.io/"))
                        }
                    }
                    .connect(host: "127.0.0.1", port: port).get()
                channels.append(channel)
            }
            let connectDeadline = ContinuousClock.now + .seconds(60)
            while collector.connections.withLockedValue({ $0.count }) < clientCount {
                guard ContinuousClock.now < connectDeadline else { throw CancellationError() }
                try await Task.sleep(for: .milliseconds(10))
            }
            // Every client got its open packet.
            while received.load() < clientCount { try await Task.sleep(for: .milliseconds(10)) }
            let connections = collector.connections.withLockedValue { $0 }
            let payload = String(repeating: "x", count: messageBytes)
            let window = clientCount * 2048
            var sent = clientCount
            var measuredStart: (ContinuousClock.Instant, Int)?
            let warmup = ContinuousClock.now + .seconds(1)
            let end = warmup + .milliseconds(Int(seconds * 1000))
            var round = 0
            while ContinuousClock.now < end {
                while sent - received.load() > window { await Task.yield() }
                let messages = (0..<batch).map { EngineMessage.text("\(round)-\($0) \(payload)") }
                let shared = SharedEngineMessages(messages)
                for connection in connections { connection.send(shared) }
                sent += batch * clientCount
                round += 1
                if measuredStart == nil, ContinuousClock.now >= warmup {
                    measuredStart = (ContinuousClock.now, received.load())
                }
            }
            let (startTime, startCount) = measuredStart ?? (warmup, clientCount)
            let elapsed = ContinuousClock.now - startTime
            let delivered = received.load() - startCount
            let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            // Every frame sent arrives (checks the counting as well as the server).
            let drainDeadline = ContinuousClock.now + .seconds(30)
            while received.load() < sent && ContinuousClock.now < drainDeadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let complete = received.load() == sent
            let closed = collector.closed.withLockedValue { $0 }
            print(
                "fan-out: \(Int(Double(delivered) / elapsedSeconds)) deliveries/s "
                    + "(clients \(clientCount), batch \(batch), message \(messageBytes) B, "
                    + "\(String(format: "%.1f", elapsedSeconds)) s, closed early \(closed.count), "
                    + "all \(sent) frames delivered: \(complete ? "yes" : "NO, \(received.load())"))")
            for channel in channels { channel.close(promise: nil) }
            group.cancelAll()
        }
        try await clientGroup.shutdownGracefully()
    }
}
