import Bus
import Testing

@Suite("Bus wire format")
struct BusWireFormatTests {
    static let sample = BusRecord(
        topic: "orders.eu", partition: 3, offset: 1_234_567_890_123, timestamp: 1_700_000_000_123,
        key: Array(#""k-1""#.utf8), value: Array(#"{"amount":12.5,"name":"café"}"#.utf8),
        sequence: 42, epoch: 0xDEAD_BEEF_0102_0304)

    @Test func liveRoundTrip() throws {
        let frames = Self.sample.liveFrames
        #expect(frames.count == 4)
        #expect(frames[0] == Array("orders.eu".utf8))
        #expect(frames[1].count == 37)
        #expect(try BusRecord(liveFrames: frames) == Self.sample)
    }

    @Test func headerLayoutIsBigEndian() {
        let header = Self.sample.headerFrame
        #expect(header[0] == 1)  // version
        #expect(Array(header[1..<9]) == [0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04])  // epoch
        #expect(Array(header[9..<17]) == [0, 0, 0, 0, 0, 0, 0, 42])  // sequence
        #expect(Array(header[17..<21]) == [0, 0, 0, 3])  // partition
        #expect(Array(header[29..<37]) == [0, 0, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x7B])  // timestamp 1700000000123
    }

    @Test func nullKeyAndValueAreEmptyFrames() throws {
        let tombstone = BusRecord(topic: "t", partition: 0, offset: 7, key: nil, value: nil, sequence: 1, epoch: 9)
        let frames = tombstone.liveFrames
        #expect(frames[2].isEmpty && frames[3].isEmpty)
        let decoded = try BusRecord(liveFrames: frames)
        #expect(decoded.key == nil && decoded.value == nil && decoded.timestamp == -1)
        #expect(decoded == tombstone)
    }

    @Test func wrongFrameCountIsRejected() {
        let frames = Self.sample.liveFrames
        #expect(throws: BusProtocolError.wrongFrameCount(kind: "live record", expected: 4, actual: 3)) {
            try BusRecord(liveFrames: Array(frames.prefix(3)))
        }
        // A fifth frame belongs to version 2 records only.
        #expect(throws: BusProtocolError.wrongFrameCount(kind: "version 1 record", expected: 4, actual: 5)) {
            try BusRecord(liveFrames: frames + [[0, 1, 0, 1, 0x61, 0xff, 0xff, 0xff, 0xff]])
        }
        #expect(throws: BusProtocolError.wrongFrameCount(kind: "live record", expected: 4, actual: 6)) {
            try BusRecord(liveFrames: frames + [[], []])
        }
    }

    @Test func shortHeaderIsRejected() {
        var frames = Self.sample.liveFrames
        frames[1].removeLast()
        #expect(throws: BusProtocolError.invalidHeaderLength(36)) { try BusRecord(liveFrames: frames) }
    }

    @Test func unknownVersionIsRejected() {
        var frames = Self.sample.liveFrames
        frames[1][0] = 3
        #expect(throws: BusProtocolError.unsupportedVersion(3)) { try BusRecord(liveFrames: frames) }
        frames[1][0] = 0
        #expect(throws: BusProtocolError.unsupportedVersion(0)) { try BusRecord(liveFrames: frames) }
    }

    @Test func invalidUTF8TopicIsRejected() {
        var frames = Self.sample.liveFrames
        frames[0] = [0x6F, 0xC3, 0x28]  // broken two-byte sequence
        #expect(throws: BusProtocolError.invalidTopic) { try BusRecord(liveFrames: frames) }
    }

    @Test func errorsDescribeThemselves() {
        #expect(BusProtocolError.invalidHeaderLength(3).description == "record header must be 37 bytes, got 3")
        #expect("\(BusProtocolError.unsupportedVersion(9))".contains("version 9"))
    }

    // MARK: Replies

    @Test func replyRoundTrips() throws {
        let replies: [BusReply] = [
            .record(Self.sample), .end(BusEndMarker(epoch: 5, sequence: 99)), .error(BusServerError(.unknownTopic, "no such topic")),
            .gap(BusReplayGap(topic: "orders", partition: 3, requested: 10, available: 250, kind: .deleted)),
            .gap(BusReplayGap(topic: "ördérs", partition: 0, requested: 900, available: 0, kind: .rewound)),
        ]
        for reply in replies {
            #expect(try BusReply(frames: reply.frames) == reply)
        }
        #expect(BusReply.end(BusEndMarker(epoch: 1, sequence: 2)).frames[1]
            == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2])
        #expect(BusReply.gap(BusReplayGap(topic: "t", partition: 1, requested: 2, available: 3, kind: .rewound)).frames
            == [Array("GAP".utf8), Array("t".utf8), [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 2]])
    }

    /// The code is the third frame; servers older than codes send two frames.
    @Test func errorRepliesCarryACode() throws {
        #expect(BusReply.error(BusServerError(.topicNotServed, "no")).frames
            == [Array("ERROR".utf8), Array("no".utf8), Array("topic-not-served".utf8)])
        #expect(try BusReply(frames: [Array("ERROR".utf8), Array("old".utf8)]) == .error(BusServerError(.unspecified, "old")))
        #expect(try BusReply(frames: [Array("ERROR".utf8), Array("new".utf8), Array("from-the-future".utf8)])
            == .error(BusServerError(.unspecified, "new")))
    }

    @Test func malformedRepliesAreRejected() {
        #expect(throws: BusProtocolError.invalidEndMarkerLength(15)) {
            try BusReply(frames: [Array("END".utf8), [UInt8](repeating: 0, count: 15)])
        }
        #expect(throws: BusProtocolError.unknownReply("HELLO")) { try BusReply(frames: [Array("HELLO".utf8)]) }
        #expect(throws: BusProtocolError.wrongFrameCount(kind: "RECORD reply", expected: 5, actual: 4)) {
            try BusReply(frames: Array(BusReply.record(Self.sample).frames.prefix(4)))
        }
        #expect(throws: BusProtocolError.wrongFrameCount(kind: "reply", expected: 2, actual: 0)) {
            try BusReply(frames: [])
        }
        let gap = [Array("GAP".utf8), Array("t".utf8), [UInt8](repeating: 0, count: 20) + [1]]
        #expect(throws: BusProtocolError.invalidGapLength(20)) { try BusReply(frames: [gap[0], gap[1], Array(gap[2].prefix(20))]) }
        #expect(throws: BusProtocolError.invalidGapKind(7)) { try BusReply(frames: [gap[0], gap[1], Array(gap[2].prefix(20)) + [7]]) }
        #expect(throws: BusProtocolError.invalidTopic) { try BusReply(frames: [gap[0], [0xFF], gap[2]]) }
        #expect(throws: BusProtocolError.wrongFrameCount(kind: "GAP reply", expected: 3, actual: 2)) {
            try BusReply(frames: Array(gap.prefix(2)))
        }
    }

    // MARK: Requests

    @Test func requestRoundTrips() throws {
        let snapshot = BusRequest.snapshot(topicPrefix: "orders.")
        #expect(snapshot.frames == [Array("SNAPSHOT".utf8), Array("orders.".utf8)])
        #expect(try BusRequest(frames: snapshot.frames) == snapshot)
        #expect(try BusRequest(frames: [Array("SNAPSHOT".utf8), []]) == .snapshot(topicPrefix: ""))

        let replay = BusRequest.replay(BusReplayOffsets(["orders": [0: 10, 2: 0], "we\"ird\n": [1: 5]]))
        #expect(try BusRequest(frames: replay.frames) == replay)
    }

    @Test func replayJSONIsCanonical() {
        let offsets = BusReplayOffsets(["b": [1: 7, 0: 3], "a": [0: 0]])
        #expect(offsets.json == #"{"a":{"0":0},"b":{"0":3,"1":7}}"#)
    }

    @Test(arguments: [
        ([Array("FETCH".utf8), []], "unknown request"),
        ([], "empty message"),
        ([Array("SNAPSHOT".utf8)], "SNAPSHOT request message must have 2 frames, got 1"),
        ([Array("SNAPSHOT".utf8), [0xFF]], "not valid UTF-8"),
        ([Array("REPLAY".utf8)], "REPLAY request message must have 2 frames, got 1"),
        ([Array("REPLAY".utf8), Array("not json".utf8)], "must be a JSON object"),
        ([Array("REPLAY".utf8), Array(#"{"t": [1, 2]}"#.utf8)], "must be a JSON object"),
        ([Array("REPLAY".utf8), Array(#"{"t": {"0": 1.5}}"#.utf8)], "must be a JSON object"),
        ([Array("REPLAY".utf8), Array("{}".utf8)], "names no topics"),
        ([Array("REPLAY".utf8), Array(#"{"t": {}}"#.utf8)], "names no partitions"),
        ([Array("REPLAY".utf8), Array(#"{"": {"0": 1}}"#.utf8)], "topic name is empty"),
        ([Array("REPLAY".utf8), Array(#"{"t": {"x": 1}}"#.utf8)], "is not a partition number"),
        ([Array("REPLAY".utf8), Array(#"{"t": {"-1": 1}}"#.utf8)], "is not a partition number"),
        ([Array("REPLAY".utf8), Array(#"{"t": {"0": -5}}"#.utf8)], "is negative"),
    ] as [([[UInt8]], String)])
    func malformedRequestsAreRejected(frames: [[UInt8]], expected: String) {
        do {
            let request = try BusRequest(frames: frames)
            Issue.record("accepted \(request)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}

@Suite("Bus heartbeat wire format")
struct BusHeartbeatWireTests {
    @Test func roundTrip() throws {
        let heartbeat = BusHeartbeat(epoch: 0x0102, sequence: 7)
        let frames = heartbeat.frames
        #expect(frames[0].isEmpty)
        #expect(frames[1] == [1, 0, 0, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 7])
        #expect(BusHeartbeat.isHeartbeat(frames))
        #expect(!BusHeartbeat.isHeartbeat(BusWireFormatTests.sample.liveFrames))
        #expect(try BusHeartbeat(frames: frames) == heartbeat)
    }

    @Test func malformedHeartbeatsAreRejected() {
        #expect(throws: BusProtocolError.invalidHeartbeatLength(3)) { try BusHeartbeat(frames: [[], [1, 2, 3]]) }
        #expect(throws: BusProtocolError.wrongFrameCount(kind: "heartbeat", expected: 2, actual: 1)) {
            try BusHeartbeat(frames: [[]])
        }
        var frames = BusHeartbeat(epoch: 1, sequence: 1).frames
        frames[1][0] = 9
        #expect(throws: BusProtocolError.unsupportedVersion(9)) { try BusHeartbeat(frames: frames) }
    }
}
