import Bus
import Foundation
import Synchronization
import Testing
import ZeroMQ

/// A loopback endpoint with a port picked by the kernel at bind time.
let randomLoopback = "tcp://127.0.0.1:*"

struct TestTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every 10 ms until it holds; throws after `timeout`.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(15), _ condition: () throws -> Bool
) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw TestTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// Thread-safe list of everything a consumer received.
final class Recorder<Element: Sendable>: Sendable {
    private let items = Mutex<[Element]>([])
    func append(_ item: Element) { items.withLock { $0.append(item) } }
    var all: [Element] { items.withLock { $0 } }
    var count: Int { items.withLock { $0.count } }
}

/// An in-memory stand-in for ingestd's cache: every record published, guarded by a lock, with
/// the sequence it is consistent with. Serves SNAPSHOT (all history of matching topics) and REPLAY.
final class InMemoryBusCache: Sendable {
    private struct State {
        var records: [BusRecord] = []
        var epoch: UInt64
        var lastSequence: UInt64 = 0
    }

    private let state: Mutex<State>

    init(epoch: UInt64) { state = Mutex(State(epoch: epoch)) }

    func add(_ record: BusRecord) {
        state.withLock { state in
            if record.epoch != state.epoch {
                state = State(epoch: record.epoch)
            }
            state.records.append(record)
            state.lastSequence = record.sequence
        }
    }

    var lastSequence: UInt64 { state.withLock { $0.lastSequence } }

    func answer(_ request: BusRequest, _ writer: BusReplyWriter) async throws {
        let (records, end): ([BusRecord], BusEndMarker) = state.withLock { state in
            let end = BusEndMarker(epoch: state.epoch, sequence: state.lastSequence)
            switch request {
            case let .snapshot(prefix):
                return (state.records.filter { $0.topic.utf8.starts(with: prefix.utf8) }, end)
            case let .replay(offsets):
                return (state.records.filter { record in
                    guard let first = offsets.topics[record.topic]?[record.partition] else { return false }
                    return record.offset >= first
                }, end)
            case .presence:
                return ([], end)
            }
        }
        for record in records { try await writer.send(record) }
        try await writer.finish(end)
    }
}

/// A publisher on its own thread, publishing `topics` round-robin until stopped, caching each
/// record after sending it. Paces itself so joins happen while it runs.
final class PublisherThread: Sendable {
    private let stopFlag = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    let published = Atomic<Int>(0)

    func start(_ publisher: BusPublisher, cache: InMemoryBusCache, topics: [String], limit: Int = .max) {
        let thread = Thread { [self] in
            var offsets = [Int64](repeating: 0, count: topics.count)
            var count = 0
            while !stopFlag.load(ordering: .relaxed) && count < limit {
                let index = count % topics.count
                do {
                    let record = try publisher.publish(
                        topic: topics[index], partition: 0, offset: offsets[index], timestamp: Int64(count),
                        key: Array("\(count)".utf8), value: Array("{\"n\":\(count)}".utf8))
                    cache.add(record)
                } catch {
                    Issue.record("publish failed: \(error)")
                    break
                }
                offsets[index] += 1
                count += 1
                published.store(count, ordering: .relaxed)
                if count % 50 == 0 { usleep(1000) }  // pacing: ~50 records per millisecond at most
            }
            finished.store(true, ordering: .releasing)
        }
        thread.start()
    }

    func stop() { stopFlag.store(true, ordering: .relaxed) }
    var isFinished: Bool { finished.load(ordering: .acquiring) }
}
