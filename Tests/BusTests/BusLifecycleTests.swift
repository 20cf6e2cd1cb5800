import Bus
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import ZeroMQ

@Suite("Bus lifecycle and robustness")
struct BusLifecycleTests {
    @Test func gracefulShutdownStopsServerAndSubscriber() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context)
        let cache = InMemoryBusCache(epoch: publisher.epoch)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        let subscriber = try BusSubscriber(
            configuration: .init(publisherEndpoint: publisher.boundEndpoint, snapshotEndpoint: server.boundEndpoint),
            context: context)
        let events = Recorder<BusSubscriberEvent>()
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: server), .init(service: subscriber)],
                                 logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask { for await event in subscriber.events { events.append(event) } }
            try await waitUntil("joined") { events.count > 0 }
            await group.triggerGracefulShutdown()
            // Both services return, the event stream finishes, so the task group completes.
            try await tasks.waitForAll()
        }
        guard case .snapshot(_, .initial)? = events.all.first else {
            Issue.record("expected an initial snapshot, got \(events.all)")
            return
        }
    }

    @Test func clientLeavingMidReplyStopsTheHandler() async throws {
        let context = try ZMQContext()
        let handlerError = Mutex<(any Error)?>(nil)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, maxQueuedReplies: 10) { _, writer in
            do {
                var offset: Int64 = 0
                while true {  // an endless reply: only the client leaving ends it
                    try await writer.send(BusRecord(topic: "t", partition: 0, offset: offset, key: nil, value: [0x31]))
                    offset += 1
                }
            } catch {
                handlerError.withLock { $0 = error }
                throw error
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            let first = try await DedicatedThreadForTests.run {
                let dealer = try ZMQSocket(context: context, type: .dealer)
                try dealer.setReceiveHighWaterMark(5)
                try dealer.connect(server.boundEndpoint)
                try dealer.send(BusRequest.snapshot(topicPrefix: "").frames)
                let first = try dealer.receiveMultipart(timeout: .seconds(10))
                dealer.close()
                return first
            }
            #expect(first?.first == Array("RECORD".utf8))
            try await waitUntil("handler to notice") { handlerError.withLock { $0 != nil } }
            #expect(handlerError.withLock { $0 as? BusReplyWriterError } == .clientDisconnected)
        }
    }

    /// Publishes `total` records as fast as possible and follows them with a subscriber. Prints the
    /// rate (debug builds are several times slower than release). The snapshot handler serves
    /// only the END position (an empty cache), which is all this test needs. If the subscriber falls
    /// behind and the publisher drops messages for it, it resyncs, and heartbeats from the idle
    /// publisher reveal lost trailing records: either way it must end at the last sequence.
    @Test func throughputEndToEnd() async throws {
        let context = try ZMQContext()
        let publisher = try BusPublisher(endpoint: randomLoopback, context: context, heartbeatInterval: .milliseconds(100))
        let counters = ThroughputCounters()
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context) { _, writer in
            try await writer.finish(BusEndMarker(epoch: publisher.epoch, sequence: counters.published.load(ordering: .acquiring)))
        }
        let subscriber = try BusSubscriber(
            configuration: .init(publisherEndpoint: publisher.boundEndpoint, snapshotEndpoint: server.boundEndpoint),
            context: context)
        let total = 200_000
        let value = Array(#"{"merchant":"m-42","amount":1234,"currency":"EUR","status":"captured"}"#.utf8)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask { try await subscriber.run() }
            group.addTask {
                for await event in subscriber.events {
                    switch event {
                    case let .records(records):
                        counters.received.add(records.count, ordering: .relaxed)
                        counters.lastSequence.store(records.last?.sequence ?? 0, ordering: .relaxed)
                    case let .snapshot(snapshot, _):
                        counters.lastSequence.store(snapshot.end.sequence, ordering: .relaxed)
                        counters.snapshots.add(1, ordering: .relaxed)
                    case .resync:
                        counters.resyncs.add(1, ordering: .relaxed)
                    }
                }
            }
            defer { group.cancelAll() }
            try await waitUntil("joined") { counters.snapshots.load(ordering: .relaxed) == 1 }
            let start = ContinuousClock.now
            // The publishing thread: publish everything, then idle like ingestd does, running
            // processEvents() (heartbeats) until told to stop.
            group.addTask {
                try await DedicatedThreadForTests.run {
                    for index in 0..<total {
                        let record = try publisher.publish(
                            topic: "payments", partition: Int32(index & 7), offset: Int64(index),
                            timestamp: 1_700_000_000_000, key: nil, value: value)
                        counters.published.store(record.sequence, ordering: .releasing)
                    }
                    while !counters.stopIdling.load(ordering: .relaxed) {
                        publisher.processEvents()
                        usleep(10_000)  // the idle loop's poll interval
                    }
                }
            }
            defer { counters.stopIdling.store(true, ordering: .relaxed) }
            try await waitUntil("all records", timeout: .seconds(120)) {
                counters.lastSequence.load(ordering: .relaxed) == UInt64(total)
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            print("bus throughput: \(total) records in \(elapsed), \(Int(Double(total) / seconds)) records/s, "
                + "\(counters.received.load(ordering: .relaxed)) delivered live, \(counters.resyncs.load(ordering: .relaxed)) resyncs")
        }
    }
}

final class ThroughputCounters: Sendable {
    let received = Atomic<Int>(0)
    let lastSequence = Atomic<UInt64>(0)
    let resyncs = Atomic<Int>(0)
    let snapshots = Atomic<Int>(0)
    let published = Atomic<UInt64>(0)
    let stopIdling = Atomic<Bool>(false)
}
