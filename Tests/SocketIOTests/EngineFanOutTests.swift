import NIOConcurrencyHelpers
import NIOCore
@testable import SocketIO
import Testing
import TestSupport

@Suite("Engine.IO fan-out and outbound queue bounds", .timeLimit(.minutes(2)))
struct EngineFanOutTests {
    @Test func sharedBroadcastReachesEveryClientInOrder() async throws {
        let clientCount = 20
        let rounds = 50
        try await withEngineServer(delegate: EngineTestDelegate(echo: false)) { port, endpoint, delegate in
            try await withThrowingTaskGroup(of: (EngineProtocolVersion, [EngineTestConnection.Frame]).self) { group in
                for index in 0..<clientCount {
                    let version: EngineProtocolVersion = index % 2 == 0 ? .v4 : .v3
                    group.addTask {
                        try await EngineTestConnection.with(port: port) { ws in
                            _ = try await engineOpenWebSocket(ws, query: "EIO=\(version.rawValue)")
                            var frames: [EngineTestConnection.Frame] = []
                            for _ in 0..<(rounds * 2) { frames.append(try await ws.readFrame()) }
                            return (version, frames)
                        }
                    }
                }
                #expect(await engineWaitUntil { delegate.connections.count == clientCount })
                for round in 0..<rounds {
                    let shared = SharedEngineMessages([.text("round \(round)"), .binary(ByteBuffer(bytes: [UInt8(round), 0xFF]))])
                    for connection in delegate.connections { #expect(connection.send(shared)) }
                }
                var finished = 0
                for try await (version, frames) in group {
                    finished += 1
                    for round in 0..<rounds {
                        #expect(frames[round * 2].text == "4round \(round)")
                        let binary = frames[round * 2 + 1]
                        #expect(binary.isBinary)
                        #expect(binary.bytes == (version == .v3 ? [4, UInt8(round), 0xFF] : [UInt8(round), 0xFF]))
                    }
                }
                #expect(finished == clientCount)
            }
            #expect(endpoint.connectionCount <= clientCount)
        }
    }

    @Test func slowConsumerIsDroppedWhileFastClientsKeepReceiving() async throws {
        let configuration = EngineIOConfiguration(
            path: "/engine.io/", maxQueuedMessages: 1000, maxQueuedBytes: 1024 * 1024)
        let fastCount = 3
        // 16 MB in all: more than the kernel (up to 4 MB send buffer), NIO's buffer and the
        // 1 MB queue bound can hold for a client that reads nothing.
        let total = 2000
        let payload = String(repeating: "p", count: 8000)
        try await withEngineServer(configuration, delegate: EngineTestDelegate(echo: false)) { port, _, delegate in
            let progress = NIOLockedValueBox([Int](repeating: 0, count: fastCount))
            let fastClosedEarly = NIOLockedValueBox([EngineCloseReason?](repeating: nil, count: fastCount))
            let slowID = NIOLockedValueBox<String?>(nil)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The slow client reads its open packet and then nothing, with a tiny receive buffer.
                group.addTask {
                    try await EngineTestConnection.with(port: port, receiveBufferSize: 4096) { ws in
                        let open = try await engineOpenWebSocket(ws)
                        slowID.withLockedValue { $0 = open.sid }
                        let dropped = await engineWaitUntil(timeout: 60) { delegate.closeReason(open.sid) != nil }
                        #expect(dropped)
                    }
                }
                for index in 0..<fastCount {
                    group.addTask {
                        try await EngineTestConnection.with(port: port) { ws in
                            let open = try await engineOpenWebSocket(ws)
                            var expected = 0
                            while expected < total {
                                let text = try await ws.readText()
                                if text == "2" {
                                    try await ws.sendText("3")
                                    continue
                                }
                                #expect(text.hasPrefix("4\(expected):"))
                                expected += 1
                                progress.withLockedValue { $0[index] = expected }
                            }
                            // Still connected after the whole stream.
                            fastClosedEarly.withLockedValue { $0[index] = delegate.closeReason(open.sid) }
                        }
                    }
                }
                #expect(await engineWaitUntil { delegate.connections.count == fastCount + 1 })
                let connections = delegate.connections
                for sequence in 0..<total {
                    // Pace the sender by the fast clients, never by the slow one.
                    while progress.withLockedValue({ $0.min()! }) < sequence - 100 {
                        try await Task.sleep(for: .milliseconds(1))
                    }
                    let shared = SharedEngineMessages([.text("\(sequence):\(payload)")])
                    for connection in connections { connection.send(shared) }
                }
                try await group.waitForAll()
            }
            let slow = try #require(slowID.withLockedValue { $0 })
            #expect(delegate.closeReason(slow) == .slowConsumer)
            #expect(fastClosedEarly.withLockedValue { $0 } == [EngineCloseReason?](repeating: nil, count: fastCount))
            #expect(progress.withLockedValue { $0 } == [Int](repeating: total, count: fastCount))
        }
    }

    /// The delegate hears of a close after the send that caused it returned, never inside it:
    /// a hub that sends under its own lock is not re-entered by the disconnect (issue 16).
    @Test func aSlowConsumerCloseNeverCallsBackInsideTheSend() async throws {
        let configuration = EngineIOConfiguration(path: "/engine.io/", maxQueuedMessages: 1)
        try await withEngineServer(configuration, delegate: EngineTestDelegate(echo: false)) { port, endpoint, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let session = try #require(endpoint.connection(id: sid) as? EngineSession)
            let (accepted, refused, closedInside) = try await session.eventLoop.submit {
                (session.send([.text("1")]), session.send([.text("2")]), delegate.closeReason(sid) != nil)
            }.get()
            #expect(accepted && !refused)
            #expect(!closedInside)
            #expect(await delegate.waitForClose(sid) == .slowConsumer)
        }
    }

    @Test func queueBoundCountsMessagesForPollingSessionsToo() async throws {
        let configuration = EngineIOConfiguration(path: "/engine.io/", maxQueuedMessages: 10)
        try await withEngineServer(configuration, delegate: EngineTestDelegate(echo: false)) { port, endpoint, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let connection = try #require(endpoint.connection(id: sid))
            for index in 0..<10 { #expect(connection.send([.text("\(index)")])) }
            #expect(connection.send([.text("one too many")]) == false)
            #expect(await delegate.waitForClose(sid) == .slowConsumer)
        }
    }
}
