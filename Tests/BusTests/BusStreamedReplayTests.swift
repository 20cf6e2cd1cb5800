import Bus
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// Issue 12: a replay of any length is handed over in bounded batches, one at a time, while the
/// server is held back by the client's pace (nothing buffers the whole topic).
/// Records the server handed to its socket.
final class SentCounter: Sendable {
    let count = Atomic(0)
}

@Suite("Bus streamed replay")
struct BusStreamedReplayTests {
    /// A snapshot server answering REPLAY with `count` records of `valueSize` bytes on
    /// `orders`/0, counting what it handed to the socket.
    struct Fixture {
        let context: ZMQContext
        let publisher: BusPublisher
        let server: BusSnapshotServer
        let subscriber: BusSubscriber
        let sent: SentCounter
        let records: [BusRecord]

        init(count: Int, valueSize: Int, maxQueuedReplies: Int = 100, gapAt: Int? = nil) throws {
            context = try ZMQContext()
            let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
            let value = [UInt8](repeating: 0x61, count: valueSize)
            let records = try (0..<count).map { offset in
                try publisher.publish(topic: "orders", partition: 0, offset: Int64(offset), timestamp: -1,
                                      key: nil, value: value)
            }
            let sent = SentCounter()
            let end = BusEndMarker(epoch: publisher.epoch, sequence: records.last?.sequence ?? 0)
            server = try BusSnapshotServer(endpoint: randomLoopback, context: context,
                                           maxQueuedReplies: maxQueuedReplies) { request, writer in
                guard case let .replay(offsets) = request, let first = offsets.topics["orders"]?[0] else {
                    return try await writer.fail(.unknownTopic, "unknown topic")
                }
                for record in records where record.offset >= first {
                    if let gapAt, record.offset == Int64(gapAt) {
                        try await writer.send(BusReplayGap(topic: "orders", partition: 1, requested: 5, available: 9, kind: .deleted))
                    }
                    try await writer.send(record)
                    sent.count.add(1, ordering: .relaxed)
                }
                try await writer.finish(end)
            }
            self.publisher = publisher
            self.records = records
            self.sent = sent
            subscriber = try BusSubscriber(
                configuration: .init(publisherEndpoint: publisher.boundEndpoint, snapshotEndpoint: server.boundEndpoint),
                context: context)
        }

        var sentCount: Int { sent.count.load(ordering: .relaxed) }

        func serving(_ body: () async throws -> Void) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                defer { group.cancelAll() }
                try await body()
            }
        }
    }

    @Test func everyRecordArrivesInOrderInBatchesNoLargerThanAsked() async throws {
        let fixture = try Fixture(count: 20_000, valueSize: 16)
        try await fixture.serving {
            let applying = Atomic(false)
            var sizes: [Int] = []
            var offsets: [Int64] = []
            let end = try await fixture.subscriber.replay(BusReplayOffsets(["orders": [0: 0]]), batchSize: 100) { batch in
                let overlapping = applying.exchange(true, ordering: .acquiring)
                #expect(!overlapping, "two batches applied at once")
                sizes.append(batch.count)
                offsets += batch.map(\.offset)
                await Task.yield()
                applying.store(false, ordering: .releasing)
            }
            #expect(end == BusEndMarker(epoch: fixture.publisher.epoch, sequence: fixture.records.last!.sequence))
            #expect(offsets == Array(0..<20_000))
            #expect(sizes.allSatisfy { $0 <= 100 && $0 > 0 })
            #expect(sizes.count >= 200)
        }
    }

    @Test func aSlowConsumerHoldsTheServerBack() async throws {
        // 20,000 records of 1 KiB: far more than the server's queue (100), both sockets' high
        // water marks (1,000 each) and the loopback buffers hold together.
        let fixture = try Fixture(count: 20_000, valueSize: 1024)
        try await fixture.serving {
            var sentWhileFirstBatchWaited: Int?
            var received = 0
            _ = try await fixture.subscriber.replay(BusReplayOffsets(["orders": [0: 0]]), batchSize: 500) { batch in
                if sentWhileFirstBatchWaited == nil {
                    // The server sends until the path fills, then waits for this consumer.
                    var last = -1
                    while last != fixture.sentCount {
                        last = fixture.sentCount
                        try await Task.sleep(for: .milliseconds(200))
                    }
                    sentWhileFirstBatchWaited = last
                }
                received += batch.count
            }
            #expect(received == 20_000)
            let held = try #require(sentWhileFirstBatchWaited)
            #expect(held < 15_000, "the server sent \(held) of 20,000 records while the consumer applied nothing")
        }
    }

    @Test func aFailingConsumerAbandonsTheReplayAndTheNextOneWorks() async throws {
        struct Refused: Error {}
        let fixture = try Fixture(count: 5_000, valueSize: 16)
        try await fixture.serving {
            var applied = 0
            await #expect(throws: Refused.self) {
                _ = try await fixture.subscriber.replay(BusReplayOffsets(["orders": [0: 0]]), batchSize: 100) { batch in
                    if applied >= 300 { throw Refused() }
                    applied += batch.count
                }
            }
            #expect(applied == 300)
            // Resumes after what was applied, as exportd does on retry.
            var offsets: [Int64] = []
            _ = try await fixture.subscriber.replay(BusReplayOffsets(["orders": [0: 300]]), batchSize: 100) { batch in
                offsets += batch.map(\.offset)
            }
            #expect(offsets == Array(300..<5_000))
        }
    }

    @Test func cancellingTheReplayingTaskEndsIt() async throws {
        let fixture = try Fixture(count: 5_000, valueSize: 16)
        try await fixture.serving {
            let firstBatch = Atomic(false)
            let task = Task {
                try await fixture.subscriber.replay(BusReplayOffsets(["orders": [0: 0]]), batchSize: 100) { _ in
                    firstBatch.store(true, ordering: .relaxed)
                    try await Task.sleep(for: .seconds(60))
                }
            }
            try await waitUntil("the first batch") { firstBatch.load(ordering: .relaxed) }
            task.cancel()
            await #expect(throws: CancellationError.self) { _ = try await task.value }
        }
    }

    @Test func aGapArrivesInItsPlaceAfterTheRecordsBeforeIt() async throws {
        let fixture = try Fixture(count: 1_000, valueSize: 16, gapAt: 250)
        try await fixture.serving {
            enum Seen: Equatable { case records(ClosedRange<Int64>), gap(BusReplayGap) }
            var seen: [Seen] = []
            _ = try await fixture.subscriber.replay(BusReplayOffsets(["orders": [0: 0]]), batchSize: 100, onGap: { gap in
                seen.append(.gap(gap))
            }) { batch in
                seen.append(.records(batch.first!.offset...batch.last!.offset))
            }
            let gap = BusReplayGap(topic: "orders", partition: 1, requested: 5, available: 9, kind: .deleted)
            #expect(seen[0..<4] == [.records(0...99), .records(100...199), .records(200...249), .gap(gap)])
            #expect(seen[4] == .records(250...349))
            #expect(seen.last == .records(950...999))
            // The whole-reply API has it too.
            let whole = try await fixture.subscriber.replay(BusReplayOffsets(["orders": [0: 0]]))
            #expect(whole.gaps == [gap])
            #expect(whole.records.count == 1_000)
        }
    }

    @Test func aServerErrorIsThrownAfterNoBatch() async throws {
        let fixture = try Fixture(count: 10, valueSize: 16)
        try await fixture.serving {
            var batches = 0
            await #expect(throws: BusClientError.self) {
                _ = try await fixture.subscriber.replay(BusReplayOffsets(["payments": [0: 0]]), batchSize: 100) { _ in
                    batches += 1
                }
            }
            #expect(batches == 0)
        }
    }
}
