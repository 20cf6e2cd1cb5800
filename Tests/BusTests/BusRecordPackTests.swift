import Bus
import Testing
import TestSupport
import ZeroMQ

/// Record packs (docs/bus-protocol.md, "Packed records"): several records of one topic in one
/// live message of three frames, decoded to exactly the records sent; a malformed pack is
/// rejected with the reason, never a crash.
@Suite("Bus record packs")
struct BusRecordPackTests {
    static let records = [
        BusRecord(topic: "orders", partition: 1, offset: 5, timestamp: 9, key: Array(#""k""#.utf8),
                  value: Array(#"{"x":1}"#.utf8), sequence: 3, epoch: 0x1111),
        BusRecord(topic: "orders", partition: 1, offset: 6, timestamp: -1, key: nil, value: nil, sequence: 4, epoch: 0x1111),
        BusRecord(topic: "orders", partition: 1, offset: 7, timestamp: 11, key: nil, value: Array("[]".utf8),
                  sequence: 5, epoch: 0x1111, headers: BusRecordHeadersTests.headers),
    ]

    @Test func packsRoundTrip() throws {
        let frames = BusRecordPack.frames(Self.records)
        #expect(frames.count == 3 && BusRecordPack.isPack(frames))
        #expect(try BusRecordPack.records(from: frames) == Self.records)
        // A version 1 or 2 record is not a pack.
        #expect(!BusRecordPack.isPack(Self.records[0].liveFrames) && !BusRecordPack.isPack(Self.records[2].liveFrames))
    }

    /// The documented bytes: header, then per record its fields, lengths and texts.
    @Test func packLayout() throws {
        let pack = [
            BusRecord(topic: "a", partition: 2, offset: 5, timestamp: -1, key: nil, value: Array("1".utf8), sequence: 7, epoch: 0x1111),
            BusRecord(topic: "a", partition: 2, offset: 6, timestamp: 3, key: Array("2".utf8), value: nil, sequence: 8, epoch: 0x1111,
                      headers: [BusRecordHeader(name: "h", value: nil)]),
        ]
        let frames = BusRecordPack.frames(pack)
        #expect(frames[0] == [0x61])
        #expect(frames[1] == [3, 0, 0, 0, 0, 0, 0, 0x11, 0x11, 0, 0, 0, 2])
        let first: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5,
                              0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0x31, 0, 0, 0, 0]
        let second: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 3,
                               0, 0, 0, 1, 0x32, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9, 0, 1, 0, 1, 0x68, 0xff, 0xff, 0xff, 0xff]
        #expect(frames[2] == first + second)
        #expect(try BusRecordPack.records(from: frames) == pack)
    }

    @Test func malformedPacksAreRejected() {
        let frames = BusRecordPack.frames(Self.records)
        func with(_ index: Int, _ frame: [UInt8]) -> [[UInt8]] {
            var changed = frames
            changed[index] = frame
            return changed
        }
        var tooMany = frames[1]
        tooMany[12] = 200
        var noRecords = frames[1]
        noRecords[12] = 0
        var emptyKey = frames[2]
        emptyKey.replaceSubrange(28..<32, with: [0, 0, 0, 0])
        // The last record's headers section opens with its count: none is not a headers section.
        var noHeaders = frames[2]
        let headersStart = noHeaders.count - Self.records[2].headersFrame.count
        noHeaders.replaceSubrange(headersStart..<headersStart + 2, with: [0, 0])
        let cases: [([[UInt8]], BusProtocolError)] = [
            (Array(frames.prefix(2)), .wrongFrameCount(kind: "record pack", expected: 3, actual: 2)),
            (with(1, Array(frames[1].dropLast())), .invalidPack("header of 12 bytes, not 13")),
            (with(1, [4] + frames[1].dropFirst()), .unsupportedVersion(4)),
            (with(0, [0xc3]), .invalidTopic),
            (with(1, noRecords), .invalidPack("0 records cannot fit in \(frames[2].count) bytes")),
            (with(1, tooMany), .invalidPack("200 records cannot fit in \(frames[2].count) bytes")),
            (with(2, Array(frames[2].dropLast())), .invalidPack("a record ends past the frame")),
            (with(2, noHeaders), .invalidHeaders("a version 2 record has at least one header")),
            (with(2, Array(frames[2].dropLast(30))), .invalidPack("a record ends past the frame")),
            (with(2, frames[2] + [0]), .invalidPack("1 bytes after the last record")),
            (with(2, emptyKey), .invalidPack("key length 0")),
        ]
        for (bad, error) in cases {
            #expect(throws: error) { try BusRecordPack.records(from: bad) }
        }
    }

    /// Mutated and random records frames are rejected or decode, never crash; what decodes
    /// packs back to the same bytes.
    @Test func packsSurviveFuzzing() {
        let seed = FuzzSettings.seed(0x9ACC)
        var random = SplitMix64(seed: seed)
        var frames = BusRecordPack.frames(Self.records)
        let body = frames[2]
        for _ in 0..<FuzzSettings.iterations(short: 5_000) {
            frames[2] = Bool.random(using: &random) ? FuzzSettings.mutate(body, using: &random)
                                                    : FuzzSettings.noise(maximumLength: 160, using: &random)
            if let decoded = try? BusRecordPack.records(from: frames) {
                #expect(BusRecordPack.frames(decoded) == frames, "seed \(seed)")
            }
        }
    }

    /// Through real sockets: packs and single records mixed reach a subscriber as every
    /// record in order, with no resync; a malformed pack is counted and skipped.
    @Test func aSubscriberFollowsPacksAndSingleRecords() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 9)
        let cache = InMemoryBusCache(epoch: 9)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        func record(_ sequence: UInt64) -> BusRecord {
            BusRecord(topic: sequence < 200 ? "a" : "b", partition: Int32(sequence % 2), offset: Int64(sequence), key: nil,
                      value: Array("\(sequence)".utf8), sequence: sequence, epoch: 9)
        }
        let subscriber = try BusSubscriber(configuration: BusSubscriberTests.configuration(publisher, server), context: context)
        try await BusSubscriberTests.following([subscriber], server: server) { recorders in
            try await waitUntil("initial snapshot") { BusSubscriberTests.latestState(recorders[0].all) != nil }
            // Until the SUB connection is up, what is published may be lost (and then resynced):
            // wait for one record to arrive live first.
            var sequence: UInt64 = 0
            try await waitUntil("live connection") {
                sequence += 1
                cache.add(record(sequence))
                try publisher.publish(record(sequence))
                return BusSubscriberTests.lastLiveSequence(recorders[0]) > 0
            }
            let start = BusSubscriberTests.lastLiveSequence(recorders[0])
            let resyncsBefore = BusSubscriberTests.resyncs(recorders[0].all).count
            // Packs of 1 to 50 records, every fourth message a lone record, topics switching at 200.
            var size = 1
            while sequence < 400 {
                let records = (sequence + 1...min(sequence + UInt64(size), 400)).map(record)
                for record in records { cache.add(record) }
                if records.count == 1 || size % 4 == 0 {
                    for record in records { try publisher.publish(record) }
                } else if records.first?.topic != records.last?.topic {
                    let split = records.firstIndex { $0.topic == "b" }!
                    try publisher.publish(packed: records[..<split])
                    try publisher.publish(packed: records[split...])
                } else {
                    try publisher.publish(packed: records[...])
                }
                sequence = records.last!.sequence
                size = size % 50 + 1
            }
            #expect(publisher.lastSequence == 400)
            try await waitUntil("all records") { BusSubscriberTests.lastLiveSequence(recorders[0]) == 400 }
            let events = recorders[0].all
            #expect(BusSubscriberTests.resyncs(events).count == resyncsBefore)
            let live = try #require(BusSubscriberTests.latestState(events)).live
            #expect(live.drop { $0.sequence <= start } == ArraySlice((start + 1...400).map(record)))
            #expect(subscriber.malformedMessages == 0)
        }
    }

    /// A pack cut short (from a hand-driven PUB socket) is counted and skipped; the next pack
    /// still arrives.
    @Test func aMalformedPackIsCountedAndSkipped() async throws {
        let context = try ZMQContext()
        let (pub, cache, server, subscriber) = try BusSubscriberTests.handDriven(context)
        let record = BusSubscriberTests.numbered
        try await BusSubscriberTests.following([subscriber], server: server) { recorders in
            try await waitUntil("initial snapshot") { BusSubscriberTests.latestState(recorders[0].all) != nil }
            var broken = BusRecordPack.frames([record(2), record(3)])
            broken[2].removeLast()
            // Sent until it is counted: the SUB connection may come up after the first sends.
            try await waitUntil("malformed counted") {
                try pub.send(broken)
                return subscriber.malformedMessages > 0
            }
            for sequence in 2...3 as ClosedRange<UInt64> { cache.add(record(sequence)) }
            try pub.send(BusRecordPack.frames([record(2), record(3)]))
            try await waitUntil("records 2 and 3") { BusSubscriberTests.lastLiveSequence(recorders[0]) == 3 }
            #expect(BusSubscriberTests.resyncs(recorders[0].all) == [])
            #expect(BusSubscriberTests.latestState(recorders[0].all)?.live == [record(2), record(3)])
        }
    }
}
