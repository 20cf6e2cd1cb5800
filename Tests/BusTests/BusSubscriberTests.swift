import Bus
import Foundation
import Synchronization
import Testing
import ZeroMQ

@Suite("Bus subscriber")
struct BusSubscriberTests {
    /// Runs `server` (if any) and `subscribers`, recording every event, for the duration of `body`.
    static func following(
        _ subscribers: [BusSubscriber], server: BusSnapshotServer?,
        _ body: ([Recorder<BusSubscriberEvent>]) async throws -> Void
    ) async throws {
        let recorders = subscribers.map { _ in Recorder<BusSubscriberEvent>() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if let server { group.addTask { try await server.run() } }
            for (subscriber, recorder) in zip(subscribers, recorders) {
                group.addTask { try await subscriber.run() }
                group.addTask { for await event in subscriber.events { recorder.append(event) } }
            }
            defer { group.cancelAll() }
            try await body(recorders)
        }
    }

    static func configuration(
        _ publisher: BusPublisher, _ server: BusSnapshotServer, prefixes: [String] = [""],
        filtering: BusTopicFiltering = .inProcess
    ) -> BusSubscriber.Configuration {
        BusSubscriber.Configuration(
            publisherEndpoint: publisher.boundEndpoint, snapshotEndpoint: server.boundEndpoint,
            topicPrefixes: prefixes, filtering: filtering, snapshotTimeout: .seconds(5))
    }

    /// The events after the last snapshot: that snapshot and the live records following it.
    static func latestState(_ events: [BusSubscriberEvent]) -> (snapshot: BusSnapshot, live: [BusRecord])? {
        guard let index = events.lastIndex(where: { if case .snapshot = $0 { true } else { false } }),
              case let .snapshot(snapshot, _) = events[index] else { return nil }
        let live = events[(index + 1)...].flatMap { event -> [BusRecord] in
            if case let .records(records) = event { records } else { [] }
        }
        return (snapshot, live)
    }

    static func resyncs(_ events: [BusSubscriberEvent]) -> [BusSyncReason] {
        events.compactMap { if case let .resync(reason) = $0 { reason } else { nil } }
    }

    /// Resyncs other than at most one sequence gap (a late SUB connection while joining).
    static func unexpectedResyncs(_ events: [BusSubscriberEvent]) -> [BusSyncReason] {
        var gaps = 0
        return resyncs(events).filter { reason in
            if case .sequenceGap = reason, gaps == 0 { gaps += 1; return false }
            return true
        }
    }

    static func lastLiveSequence(_ recorder: Recorder<BusSubscriberEvent>) -> UInt64 {
        guard let state = latestState(recorder.all) else { return 0 }
        return state.live.last?.sequence ?? state.snapshot.end.sequence
    }

    @Test func cloneJoinWhilePublishingSeesEverySequenceOnce() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        let cache = InMemoryBusCache(epoch: publisher.epoch)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let publishing = PublisherThread()
        let total = 40_000
        publishing.start(publisher, cache: cache, topics: ["a.one", "b.two", "a.three"], limit: total)
        defer { publishing.stop() }
        try await waitUntil("first records") { publishing.published.load(ordering: .relaxed) >= 1000 }

        let everything = try BusSubscriber(configuration: Self.configuration(publisher, server), context: context)
        let onlyA = try BusSubscriber(configuration: Self.configuration(publisher, server, prefixes: ["a."]), context: context)
        try await Self.following([everything, onlyA], server: server) { recorders in
            try await waitUntil("all records delivered", timeout: .seconds(60)) {
                publishing.isFinished && Self.lastLiveSequence(recorders[0]) == UInt64(total)
                    && (Self.latestState(recorders[1].all)?.live.last?.sequence ?? 0) >= UInt64(total - 2)
            }
            let all = recorders[0].all
            // ZeroMQ connects a SUB in the background: on a loaded machine the first live record
            // after the snapshot can be published before the connection is up. The subscriber
            // sees that gap and resyncs, which is the recovery this test allows (once); what it
            // delivers after its latest snapshot must still be complete and in order.
            #expect(Self.unexpectedResyncs(all) == [])
            let (snapshot, live) = try #require(Self.latestState(all))
            // The join happened while the publisher was running.
            #expect(snapshot.end.epoch == publisher.epoch)
            #expect(snapshot.end.sequence >= 1000 && snapshot.end.sequence < UInt64(total))
            let sequences = snapshot.records.map(\.sequence) + live.map(\.sequence)
            #expect(sequences == Array(1...UInt64(total)), "every sequence exactly once, in order")
            #expect(live.first?.sequence == snapshot.end.sequence + 1)

            let filtered = recorders[1].all
            #expect(Self.unexpectedResyncs(filtered) == [])
            let (filteredSnapshot, filteredLive) = try #require(Self.latestState(filtered))
            let filteredRecords = filteredSnapshot.records + filteredLive
            #expect(filteredRecords.allSatisfy { $0.topic.hasPrefix("a.") })
            // Topics a.one and a.three are records 1, 3 (mod 3) of the round-robin.
            let expected = (1...UInt64(total)).filter { $0 % 3 != 2 }
            #expect(filteredRecords.map(\.sequence) == expected)
        }
    }

    @Test func sequenceGapTriggersResync() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 5)
        let cache = InMemoryBusCache(epoch: 5)
        func record(_ sequence: UInt64) -> BusRecord {
            BusRecord(topic: "t", partition: 0, offset: Int64(sequence), key: nil, value: [0x31], sequence: sequence, epoch: 5)
        }
        for sequence in 1...3 as ClosedRange<UInt64> {
            try publisher.publish(record(sequence))
            cache.add(record(sequence))
        }
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let subscriber = try BusSubscriber(configuration: Self.configuration(publisher, server), context: context)
        try await Self.following([subscriber], server: server) { recorders in
            try await waitUntil("initial snapshot") { Self.latestState(recorders[0].all) != nil }
            #expect(Self.latestState(recorders[0].all)?.snapshot.end.sequence == 3)
            try publisher.publish(record(4))
            cache.add(record(4))
            cache.add(record(5))  // "published" but lost on the way to this subscriber
            try publisher.publish(record(6))
            cache.add(record(6))
            try await waitUntil("resync snapshot") {
                Self.latestState(recorders[0].all)?.snapshot.end.sequence == 6
            }
            let events = recorders[0].all
            #expect(Self.resyncs(events) == [.sequenceGap(expected: 5, received: 6)])
            guard case let .snapshot(_, reason) = events.last(where: { if case .snapshot = $0 { true } else { false } }) else {
                Issue.record("no snapshot")
                return
            }
            #expect(reason == .sequenceGap(expected: 5, received: 6))
            #expect(Self.latestState(events)?.snapshot.records.map(\.sequence) == [1, 2, 3, 4, 5, 6])
            // Record 4 was delivered live before the gap was noticed.
            #expect(events.contains(.records([record(4)])))
            // Live delivery continues after the resync.
            try publisher.publish(record(7))
            cache.add(record(7))
            try await waitUntil("record 7") { Self.lastLiveSequence(recorders[0]) == 7 }
        }
    }

    /// Record `sequence` of topic `t` in epoch 5, as the hand-driven tests publish it.
    static func numbered(_ sequence: UInt64) -> BusRecord {
        BusRecord(topic: "t", partition: 0, offset: Int64(sequence), key: nil, value: [0x31], sequence: sequence, epoch: 5)
    }

    /// A hand-driven PUB socket standing in for the publisher (to lose or break messages on
    /// purpose), a snapshot server whose cache holds ``numbered(_:)`` record 1, and a subscriber
    /// following both.
    static func handDriven(_ context: ZMQContext) throws -> (pub: ZMQSocket, cache: InMemoryBusCache,
                                                              server: BusSnapshotServer, subscriber: BusSubscriber) {
        let pub = try ZMQSocket(context: context, type: .pub)
        try pub.bind(randomLoopback)
        let cache = InMemoryBusCache(epoch: 5)
        cache.add(numbered(1))
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let subscriber = try BusSubscriber(
            configuration: .init(publisherEndpoint: try pub.lastEndpoint(), snapshotEndpoint: server.boundEndpoint),
            context: context)
        return (pub, cache, server, subscriber)
    }

    @Test func heartbeatRevealsLostTrailingRecords() async throws {
        let context = try ZMQContext()
        let (pub, cache, server, subscriber) = try Self.handDriven(context)
        let record = Self.numbered
        try await Self.following([subscriber], server: server) { recorders in
            try await waitUntil("initial snapshot") { Self.latestState(recorders[0].all) != nil }
            // Heartbeat matching the state: nothing happens; record 2 arrives; record 3 is "lost";
            // the next heartbeat says 3 was published.
            try pub.send(BusHeartbeat(epoch: 5, sequence: 1).frames)
            cache.add(record(2))
            try pub.send(record(2).liveFrames)
            try await waitUntil("record 2") { Self.lastLiveSequence(recorders[0]) == 2 }
            cache.add(record(3))
            try pub.send(BusHeartbeat(epoch: 5, sequence: 3).frames)
            try await waitUntil("resync to 3") { Self.latestState(recorders[0].all)?.snapshot.end.sequence == 3 }
            #expect(Self.resyncs(recorders[0].all) == [.sequenceGap(expected: 3, received: 3)])
            // A heartbeat from another run is an epoch change even with no records.
            try pub.send(BusHeartbeat(epoch: 6, sequence: 0).frames)
            try await waitUntil("epoch resync") { Self.resyncs(recorders[0].all).count == 2 }
            #expect(Self.resyncs(recorders[0].all).last == .epochChanged(from: 5, to: 6))
            // A malformed live message is counted and skipped, not fatal.
            try pub.send([Array("t".utf8), [1, 2, 3], [], []])
            try await waitUntil("malformed counted") { subscriber.malformedMessages == 1 }
        }
    }

    @Test func epochChangeTriggersResync() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 100)
        let cache = InMemoryBusCache(epoch: 100)
        func record(_ sequence: UInt64, epoch: UInt64) -> BusRecord {
            BusRecord(topic: "t", partition: 0, offset: Int64(sequence), key: nil, value: [0x31], sequence: sequence, epoch: epoch)
        }
        for sequence in 1...10 as ClosedRange<UInt64> {
            try publisher.publish(record(sequence, epoch: 100))
            cache.add(record(sequence, epoch: 100))
        }
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let subscriber = try BusSubscriber(configuration: Self.configuration(publisher, server), context: context)
        try await Self.following([subscriber], server: server) { recorders in
            try await waitUntil("initial snapshot") { Self.latestState(recorders[0].all) != nil }
            // The publisher "restarts": a new epoch, sequences from 1 again.
            for sequence in 1...2 as ClosedRange<UInt64> {
                cache.add(record(sequence, epoch: 200))
                try publisher.publish(record(sequence, epoch: 200))
            }
            try await waitUntil("snapshot of the new epoch") {
                Self.latestState(recorders[0].all)?.snapshot.end == BusEndMarker(epoch: 200, sequence: 2)
            }
            let events = recorders[0].all
            #expect(Self.resyncs(events) == [.epochChanged(from: 100, to: 200)])
            #expect(Self.latestState(events)?.snapshot.records.map(\.epoch) == [200, 200])
            #expect(Self.latestState(events)?.live == [])
        }
    }

    /// A partition restarted below the publisher's position (its topic was recreated): the
    /// publisher moves to a new epoch at once (a heartbeat, nothing else published), every live
    /// subscriber resynchronises, and the snapshot's rewound GAPs reach it with the snapshot.
    /// A GAP of another kind in a SNAPSHOT reply is refused (issue 12).
    @Test func aNewEpochResynchronisesAndTheSnapshotNamesRestartedPartitions() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, epoch: 100)
        let restarted = BusReplayGap(topic: "t", partition: 0, requested: 10, available: 0, kind: .rewound)
        let kind = Mutex<BusReplayGap.Kind?>(nil)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context) { _, reply in
            if let gapKind = kind.withLock({ $0 }) {
                var gap = restarted
                gap.kind = gapKind
                try await reply.send(gap)
            }
            try await reply.finish(BusEndMarker(epoch: publisher.epoch, sequence: 0))
        }
        let subscriber = try BusSubscriber(configuration: Self.configuration(publisher, server), context: context)
        try await Self.following([subscriber], server: server) { recorders in
            try await waitUntil("initial snapshot") { Self.latestState(recorders[0].all) != nil }
            kind.withLock { $0 = .deleted }
            publisher.startEpoch(200)
            try await waitUntil("the deleted GAP refused") {
                Self.resyncs(recorders[0].all).contains { if case .snapshotFailed = $0 { true } else { false } }
            }
            kind.withLock { $0 = .rewound }
            try await waitUntil("snapshot of the new epoch") {
                Self.latestState(recorders[0].all)?.snapshot.end.epoch == 200
            }
            #expect(Self.resyncs(recorders[0].all).first == .epochChanged(from: 100, to: 200))
            #expect(Self.latestState(recorders[0].all)?.snapshot.gaps == [restarted])
        }
    }

    @Test func socketFilteringDeliversOnlyMatchingTopics() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        let cache = InMemoryBusCache(epoch: publisher.epoch)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let subscriber = try BusSubscriber(
            configuration: Self.configuration(publisher, server, prefixes: ["keep"], filtering: .socket), context: context)
        try await Self.following([subscriber], server: server) { recorders in
            try await waitUntil("initial snapshot") { Self.latestState(recorders[0].all) != nil }
            for index in 0..<100 {
                cache.add(try publisher.publish(topic: index % 2 == 0 ? "keep.x" : "drop.y", partition: 0,
                                                offset: Int64(index), timestamp: -1, key: nil, value: [0x31]))
            }
            try await waitUntil("50 records") { Self.latestState(recorders[0].all)?.live.count == 50 }
            let live = try #require(Self.latestState(recorders[0].all)?.live)
            #expect(live.allSatisfy { $0.topic == "keep.x" })
            #expect(live.map(\.offset) == Array(stride(from: 0, to: 100, by: 2)))
            #expect(Self.resyncs(recorders[0].all) == [])
        }
    }

    @Test func snapshotTimeoutIsReportedAndRetried() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        let cache = InMemoryBusCache(epoch: publisher.epoch)
        cache.add(try publisher.publish(topic: "t", partition: 0, offset: 0, timestamp: -1, key: nil, value: [0x31]))
        // Bound but not yet serving: requests wait unanswered.
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        var configuration = Self.configuration(publisher, server)
        configuration.snapshotTimeout = .milliseconds(200)
        let subscriber = try BusSubscriber(configuration: configuration, context: context)
        try await Self.following([subscriber], server: nil) { recorders in
            try await waitUntil("a timeout") { !Self.resyncs(recorders[0].all).isEmpty }
            guard case .snapshotFailed(let reason) = Self.resyncs(recorders[0].all).first else {
                Issue.record("expected snapshotFailed")
                return
            }
            #expect(reason.contains("no reply"))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                defer { group.cancelAll() }
                try await waitUntil("snapshot after retry") { Self.latestState(recorders[0].all) != nil }
                #expect(Self.latestState(recorders[0].all)?.snapshot.records.count == 1)
            }
        }
    }

    @Test func replayThroughSubscriber() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        let cache = InMemoryBusCache(epoch: publisher.epoch)
        for offset in 0..<20 {
            cache.add(try publisher.publish(topic: "orders", partition: Int32(offset % 2), offset: Int64(offset / 2),
                                            timestamp: -1, key: nil, value: [0x31]))
        }
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let subscriber = try BusSubscriber(configuration: Self.configuration(publisher, server), context: context)
        try await Self.following([subscriber], server: server) { _ in
            let reply = try await subscriber.replay(BusReplayOffsets(["orders": [1: 8]]))
            #expect(reply.records.map { [$0.partition, Int32($0.offset)] } == [[1, 8], [1, 9]])
            #expect(reply.end == BusEndMarker(epoch: publisher.epoch, sequence: 20))
            await #expect(throws: BusClientError.self) {
                _ = try await subscriber.replay(BusReplayOffsets(["orders": [0: -1]]))
            }
        }
    }

    @Test func stopsOnCancellationAndFinishesEvents() async throws {
        let context = try ZMQContext()
        let subscriber = try BusSubscriber(
            configuration: .init(publisherEndpoint: "tcp://127.0.0.1:1", snapshotEndpoint: "tcp://127.0.0.1:2"),
            context: context)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await subscriber.run() }
            group.addTask { for await _ in subscriber.events {} }
            // Cancelling at any point (even before the thread started) stops it and ends the stream.
            group.cancelAll()
            try await group.waitForAll()
        }
        await #expect(throws: BusSubscriberError.alreadyRan) { try await subscriber.run() }
    }
}
