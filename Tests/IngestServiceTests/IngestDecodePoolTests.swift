import Bus
import Foundation
import Kafka
import Synchronization
import Testing
@testable import IngestService

/// The decode threads without a broker: chunks finish in any order, records leave in the order
/// they were submitted.
@Suite struct IngestDecodePoolTests {
    /// Three partitions interleaved in runs, as a poll returns them.
    func messages(_ count: Int, from start: Int) -> [KafkaMessage] {
        (start..<start + count).map { (index: Int) -> KafkaMessage in
            let topic = index % 5 == 0 ? "other" : "t"
            let partition = Int32((index / 7) % 3)
            let value: [UInt8] = Array(String(index).utf8)
            return KafkaMessage(topic: topic, partition: partition, offset: Int64(index), timestamp: Int64(index),
                                key: nil, value: value)
        }
    }

    /// Decodes to the value as is; every 11th message fails; some take longer, so later chunks
    /// overtake earlier ones.
    static func slowDecode(_ message: KafkaMessage) -> DecodedMessage {
        if message.offset % 97 == 0 { Thread.sleep(forTimeInterval: 0.002) }
        if message.offset % 11 == 0 {
            return .failed(topic: message.topic, partition: message.partition, offset: message.offset, reason: "bad \(message.offset)")
        }
        return .record(BusRecord(topic: message.topic, partition: message.partition, offset: message.offset,
                                 timestamp: message.timestamp, key: nil, value: message.value))
    }

    @Test(arguments: [1, 2, 4], [0, 64])
    func recordsLeaveInSubmissionOrder(threads: Int, inlineLimit: Int) {
        let pool = IngestDecodePool(threads: threads, chunkSize: 64, inlineLimit: inlineLimit) { Self.slowDecode($0) }
        defer { pool.close() }
        var submitted: [KafkaMessage] = []
        var taken: [DecodedMessage] = []
        for poll in 0..<30 {
            let batch = messages([1, 63, 64, 65, 700, 2000][poll % 6], from: submitted.count)
            submitted += batch
            pool.submit(batch)
            taken += pool.takeReady().flatMap { $0 }  // whatever is ready, without waiting
        }
        while pool.outstandingMessages > 0 {
            taken += pool.takeReady(waitingUpTo: .seconds(5)).flatMap { $0 }
        }
        #expect(taken.count == submitted.count)
        #expect(taken.map(\.offset) == submitted.map(\.offset))
        #expect(taken.map(\.topic) == submitted.map(\.topic))
        #expect(taken.map(\.partition) == submitted.map(\.partition))
        for (decoded, message) in zip(taken, submitted) {
            switch decoded {
            case .record(let record):
                #expect(message.offset % 11 != 0 && record.value == message.value && record.timestamp == message.timestamp)
            case .failed(_, _, let offset, let reason):
                #expect(offset % 11 == 0 && reason == "bad \(offset)")
            }
        }
    }

    /// A small poll with nothing in flight is decoded by the submitting thread, at once; a larger
    /// one, or one behind records still being decoded, goes to the workers.
    @Test func smallBatchesWithNothingInFlightAreDecodedInline() {
        let submitter = pthread_self()
        let decodedHere = Mutex<[Bool]>([])
        let pool = IngestDecodePool(threads: 2, chunkSize: 16, inlineLimit: 8) { message in
            decodedHere.withLock { $0.append(pthread_equal(pthread_self(), submitter) != 0) }
            if message.offset == 100 { Thread.sleep(forTimeInterval: 0.2) }  // keeps a chunk in flight
            return Self.slowDecode(message)
        }
        defer { pool.close() }
        pool.submit(messages(8, from: 1))
        #expect(decodedHere.withLock { $0 } == Array(repeating: true, count: 8))
        #expect(pool.takeReady().joined().map(\.offset) == Array(1...8), "ready without waiting")

        decodedHere.withLock { $0 = [] }
        pool.submit(messages(9, from: 9))
        #expect(pool.takeReady(waitingUpTo: .seconds(5)).joined().map(\.offset) == Array(9...17))
        #expect(decodedHere.withLock { $0 } == Array(repeating: false, count: 9), "over the limit: the workers")

        decodedHere.withLock { $0 = [] }
        pool.submit(messages(16, from: 100))  // offset 100 is slow: in flight while the next arrive
        pool.submit(messages(3, from: 116))
        var taken: [Int64] = []
        while pool.outstandingMessages > 0 { taken += pool.takeReady(waitingUpTo: .seconds(5)).joined().map(\.offset) }
        #expect(taken == Array(100...118), "never ahead of records in flight")
        #expect(decodedHere.withLock { $0 }.allSatisfy { !$0 })
    }

    /// A small batch that cannot be decoded without waiting (a registry schema to load) goes to
    /// the workers instead, in its place.
    @Test func aSmallBatchThatWouldBlockGoesToTheWorkers() {
        let submitter = pthread_self()
        let workerDecoded = Atomic<Int>(0)
        let workerOnSubmitter = Atomic<Int>(0)
        let pool = IngestDecodePool(threads: 1, chunkSize: 16, inlineLimit: 8, decodeChunk: { batch, range in
            if pthread_equal(pthread_self(), submitter) != 0 { workerOnSubmitter.add(1, ordering: .relaxed) }
            workerDecoded.add(range.count, ordering: .relaxed)
            return range.map { Self.slowDecode(batch.message(at: $0)) }
        }, decodeInline: { batch, range in
            batch.entries[range].contains { $0.offset == 3 } ? nil : range.map { Self.slowDecode(batch.message(at: $0)) }
        })
        defer { pool.close() }
        var taken: [Int64] = []
        for start in [1, 3, 5] {  // 1...2 inline, 3...4 to the worker, 5...6 inline once that is taken
            pool.submit(messages(2, from: start))
            while pool.outstandingMessages > 0 { taken += pool.takeReady(waitingUpTo: .seconds(5)).joined().map(\.offset) }
        }
        #expect(taken == Array(1...6))
        #expect(workerDecoded.load(ordering: .relaxed) == 2)
        #expect(workerOnSubmitter.load(ordering: .relaxed) == 0, "decoded by a worker thread, not the submitter")
    }

    @Test func decodesOnEveryThreadAtOnce() {
        let running = Atomic<Int>(0)
        let mostAtOnce = Atomic<Int>(0)
        let pool = IngestDecodePool(threads: 3, chunkSize: 10) { message in
            let now = running.add(1, ordering: .relaxed).newValue
            mostAtOnce.max(now, ordering: .relaxed)
            Thread.sleep(forTimeInterval: 0.002)
            running.subtract(1, ordering: .relaxed)
            return Self.slowDecode(message)
        }
        defer { pool.close() }
        pool.submit(messages(600, from: 0))
        var taken = 0
        while pool.outstandingMessages > 0 { taken += pool.takeReady(waitingUpTo: .seconds(5)).joined().count }
        #expect(taken == 600)
        #expect(mostAtOnce.load(ordering: .relaxed) == 3)
    }

    @Test func waitingReturnsAtTheTimeoutWhenTheOldestChunkIsSlow() {
        let pool = IngestDecodePool(threads: 1) { message in
            Thread.sleep(forTimeInterval: 0.3)
            return Self.slowDecode(message)
        }
        defer { pool.close() }
        pool.submit(messages(1, from: 1))
        let start = ContinuousClock.now
        #expect(pool.takeReady(waitingUpTo: .milliseconds(50)).isEmpty)
        #expect(ContinuousClock.now - start < .milliseconds(250))
        #expect(pool.takeReady(waitingUpTo: .seconds(5)).joined().count == 1)
        #expect(pool.outstandingMessages == 0)
        // Nothing outstanding: no wait at all.
        let idle = ContinuousClock.now
        #expect(pool.takeReady(waitingUpTo: .seconds(5)).isEmpty)
        #expect(ContinuousClock.now - idle < .seconds(1))
    }

    @Test func closeFinishesWhatWasSubmitted() {
        let decoded = Atomic<Int>(0)
        let pool = IngestDecodePool(threads: 2, chunkSize: 8) { message in
            decoded.add(1, ordering: .relaxed)
            return Self.slowDecode(message)
        }
        pool.submit(messages(100, from: 0))
        pool.close()
        #expect(decoded.load(ordering: .relaxed) == 100)
        #expect(pool.takeReady().joined().count == 100)
        pool.close()  // idempotent
    }
}
