import Bus
import Testing
import TestSupport
import ZeroMQ

/// Kafka headers on the bus (docs/bus-protocol.md, "Headers"): a record with headers is a
/// version 2 record of five frames; one without stays byte for byte a version 1 record, so
/// version 1 frames decode as before and subscribers older than headers keep reading them.
@Suite("Bus record headers")
struct BusRecordHeadersTests {
    static let headers = [
        BusRecordHeader(name: "source", value: Array("shop-1".utf8)), BusRecordHeader(name: "trace", value: []),
        BusRecordHeader(name: "trace", value: nil), BusRecordHeader(name: "bin", value: [0x00, 0xff]),
        BusRecordHeader(name: "é", value: Array("ü".utf8)),
    ]
    static let sample = BusRecord(topic: "orders", partition: 1, offset: 5, timestamp: 9, key: nil,
                                  value: Array(#"{"x":1}"#.utf8), sequence: 3, epoch: 0x1111, headers: headers)

    @Test func recordsWithHeadersRoundTripAsVersion2() throws {
        let frames = Self.sample.liveFrames
        #expect(frames.count == 5 && frames[1][0] == 2 && frames[1].count == 37)
        #expect(try BusRecord(liveFrames: frames) == Self.sample)
        let reply = BusReply.record(Self.sample)
        #expect(reply.frames.count == 6)
        #expect(try BusReply(frames: reply.frames) == reply)
    }

    /// The documented bytes of the headers frame.
    @Test func headersFrameLayout() {
        let record = BusRecord(topic: "a", partition: 0, offset: 5, key: nil, value: nil,
                               headers: [BusRecordHeader(name: "src", value: Array("x".utf8)), BusRecordHeader(name: "n", value: nil)])
        #expect(record.headersFrame == [0, 2, 0, 3, 0x73, 0x72, 0x63, 0, 0, 0, 1, 0x78, 0, 1, 0x6e, 0xff, 0xff, 0xff, 0xff])
    }

    /// Version 1 frames, as the docs' example and every publisher before headers wrote them,
    /// still decode (no headers); a record without headers is written exactly so.
    @Test func version1FramesStillDecode() throws {
        let v1: [[UInt8]] = [
            [0x61],
            [0x01, 0, 0, 0, 0, 0, 0, 0x11, 0x11, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
             0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            [],
            Array(#"{"x":1}"#.utf8),
        ]
        let record = try BusRecord(liveFrames: v1)
        #expect(record == BusRecord(topic: "a", partition: 0, offset: 5, timestamp: -1, key: nil, value: Array(#"{"x":1}"#.utf8),
                                    sequence: 3, epoch: 0x1111))
        #expect(record.headers.isEmpty && record.liveFrames == v1)
        #expect(try BusReply(frames: [Array("RECORD".utf8)] + v1) == .record(record))
    }

    @Test func malformedHeadersAreRejected() {
        var frames = Self.sample.liveFrames
        // A version 2 header without its fifth frame, and a version 1 header with one.
        #expect(throws: BusProtocolError.wrongFrameCount(kind: "version 2 record", expected: 5, actual: 4)) {
            try BusRecord(liveFrames: Array(frames.prefix(4)))
        }
        let full = frames[4]
        for (bad, reason) in [([0, 0], "a version 2 record has at least one header"), (Array(full.dropLast()), "ends inside a header"),
                              (full + [0], "1 bytes after the last header"), ([0, 1, 0, 1, 0xc3, 0, 0, 0, 0], "a header name is not UTF-8"),
                              ([0, 1, 0, 1, 0x61, 0xff, 0xff, 0xff, 0xfe], "value length -2"), ([0], "ends inside a header"),
                              ([0, 1, 0, 1, 0x61, 0x7f, 0xff, 0xff, 0xff], "ends inside a header")] as [([UInt8], String)] {
            frames[4] = bad
            #expect(throws: BusProtocolError.invalidHeaders(reason)) { try BusRecord(liveFrames: frames) }
        }
    }

    /// Random headers round-trip; mutated and random headers frames are rejected or decode,
    /// never crash, and what decodes encodes back to the same bytes.
    @Test func headersFramesSurviveFuzzing() {
        let seed = FuzzSettings.seed(0x4EAD)
        var random = SplitMix64(seed: seed)
        var frames = Self.sample.liveFrames
        for _ in 0..<FuzzSettings.iterations(short: 5_000) {
            var record = Self.sample
            record.headers = (0..<Int.random(in: 1...4, using: &random)).map { _ in
                BusRecordHeader(name: String(decoding: FuzzSettings.noise(maximumLength: 6, using: &random), as: UTF8.self),
                                value: Bool.random(using: &random) ? nil : FuzzSettings.noise(maximumLength: 8, using: &random))
            }
            #expect((try? BusRecord(liveFrames: record.liveFrames)) == record, "seed \(seed)")
            frames[4] = Bool.random(using: &random) ? FuzzSettings.mutate(record.headersFrame, using: &random)
                                                    : FuzzSettings.noise(maximumLength: 32, using: &random)
            if let decoded = try? BusRecord(liveFrames: frames) {
                #expect(decoded.headersFrame == frames[4], "seed \(seed)")
            }
        }
    }

    @Test func lastHeaderReadsTheLastOfAName() {
        #expect(Self.sample.lastHeader(named: "trace") == .some(nil))
        #expect(Self.sample.lastHeader(named: "source") == .some(Array("shop-1".utf8)))
        #expect(Self.sample.lastHeader(named: "Source") == nil)
        #expect(Self.sample.lastHeader(named: "missing") == nil)
    }

    /// Through real sockets: the publisher sends the fifth frame, a SUB reads it, a snapshot
    /// reply carries it.
    @Test func publisherAndSnapshotServerCarryHeaders() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        let sub = try ZMQSocket(context: context, type: .sub)
        try sub.subscribe("")
        try sub.connect(publisher.boundEndpoint)
        var received: BusRecord?
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        var record = Self.sample
        while received == nil && ContinuousClock.now < deadline {
            record.sequence = publisher.lastSequence + 1
            try publisher.publish(record)
            // Polled without blocking a cooperative thread (other suites' servers share them).
            try await Task.sleep(for: .milliseconds(20))
            while let frames = try sub.receiveMultipart(dontWait: true) {
                if !BusHeartbeat.isHeartbeat(frames) { received = try BusRecord(liveFrames: frames) }
            }
        }
        #expect(received?.headers == Self.headers)

        let cache = InMemoryBusCache(epoch: 1)
        var first = Self.sample
        (first.epoch, first.sequence) = (1, 1)
        cache.add(first)
        cache.add(BusRecord(topic: "orders", partition: 1, offset: 6, key: nil, value: nil, sequence: 2, epoch: 1))
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            let reply = try await BusSnapshotClient.request(.snapshot(topicPrefix: ""), endpoint: server.boundEndpoint, context: context)
            #expect(reply.records.map(\.headers) == [Self.headers, []])
        }
    }
}
