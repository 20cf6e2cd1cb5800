import NIOCore
@testable import SocketIO
import Testing
import TestSupport

/// `EngineIOConfiguration.maxPollingResponseBytes` and `maxPollingResponsePackets`: a burst
/// larger than the caps arrives over several polls, in order, complete; a packet larger than
/// the byte cap goes out alone.
@Suite("Engine.IO polling response size cap", .timeLimit(.minutes(1)))
struct EnginePollingResponseCapTests {
    static let cap = 1000

    @Test(arguments: ["EIO=4", "EIO=3", "EIO=3&b64=1"])
    func burstLargerThanTheCapArrivesOverSeveralPollsInOrder(query: String) async throws {
        let configuration = EngineIOConfiguration(path: "/engine.io/", maxPollingResponseBytes: Self.cap)
        try await withEngineServer(configuration, delegate: EngineTestDelegate(echo: false)) { port, endpoint, _ in
            let sid = try await engineOpenPollingSession(port: port, query: query)
            let connection = try #require(endpoint.connection(id: sid))
            // 60 messages of about 100 bytes (non-ASCII included), and one of 3,000 in the middle.
            var sent: [EngineMessage] = (0..<60).map { index in
                .text("\(index):" + String(repeating: "ü", count: 40) + String(repeating: "x", count: 10))
            }
            sent.insert(.text(String(repeating: "L", count: 3000)), at: 30)
            sent.append(.binary(ByteBuffer(bytes: Array(repeating: 7, count: 20))))
            #expect(connection.send(sent))

            let version: EngineProtocolVersion = query.hasPrefix("EIO=4") ? .v4 : .v3
            let target = "/engine.io/?\(query)&transport=polling&sid=\(sid)"
            var received: [EngineMessage] = []
            var polls = 0
            while received.count < sent.count, polls < 100 {
                let poll = try await EngineTestConnection.request(port: port, "GET", target)
                polls += 1
                try #require(poll.status == 200)
                let isBinary = poll.header("content-type") == "application/octet-stream"
                let packets = try EnginePollingPayload.decode(poll.body, version: version, isBinary: isBinary)
                #expect(poll.body.readableBytes <= Self.cap || packets.count == 1,
                        "a response of \(poll.body.readableBytes) bytes with \(packets.count) packets")
                for packet in packets {
                    guard case .message(let message) = packet else { continue }
                    received.append(message)
                }
            }
            #expect(received == sent)
            // 60 messages of over 90 bytes need at least 6 responses of at most 1,000 bytes; the
            // 3,000-byte message goes out alone.
            #expect(polls >= 7)
        }
    }

    @Test(arguments: ["EIO=4", "EIO=3", "EIO=3&b64=1"])
    func aResponseHoldsAtMostSixteenPacketsByDefault(query: String) async throws {
        try await withEngineServer(delegate: EngineTestDelegate(echo: false)) { port, endpoint, _ in
            let sid = try await engineOpenPollingSession(port: port, query: query)
            let connection = try #require(endpoint.connection(id: sid))
            let sent: [EngineMessage] = (0..<40).map { .text("m\($0)") }
            #expect(connection.send(sent))
            let version: EngineProtocolVersion = query.hasPrefix("EIO=4") ? .v4 : .v3
            let target = "/engine.io/?\(query)&transport=polling&sid=\(sid)"
            var counts: [Int] = []
            var received: [EngineMessage] = []
            while received.count < sent.count, counts.count < 10 {
                let poll = try await EngineTestConnection.request(port: port, "GET", target)
                let isBinary = poll.header("content-type") == "application/octet-stream"
                let packets = try EnginePollingPayload.decode(poll.body, version: version, isBinary: isBinary)
                counts.append(packets.count)
                for case .message(let message) in packets { received.append(message) }
            }
            #expect(counts == [16, 16, 8])
            #expect(received == sent)
        }
    }

    @Test func capsMustBePositive() {
        #expect(throws: EngineIOConfiguration.ValidationError.self) {
            try EngineIOConfiguration(maxPollingResponseBytes: 0).validate()
        }
        #expect(throws: EngineIOConfiguration.ValidationError.self) {
            try EngineIOConfiguration(maxPollingResponsePackets: 0).validate()
        }
        #expect(EngineIOConfiguration().maxPollingResponseBytes == 64 * 1024)
        #expect(EngineIOConfiguration().maxPollingResponsePackets == 16)
    }
}
