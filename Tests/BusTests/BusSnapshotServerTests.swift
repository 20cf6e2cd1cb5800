import Bus
import Foundation
import Synchronization
import Testing
import ZeroMQ

@Suite("Bus snapshot server")
struct BusSnapshotServerTests {
    static func records(_ topic: String, count: Int, epoch: UInt64 = 1) -> [BusRecord] {
        (0..<count).map {
            BusRecord(topic: topic, partition: 0, offset: Int64($0), timestamp: 1000 + Int64($0),
                      key: nil, value: Array("{\"i\":\($0)}".utf8), sequence: UInt64($0 + 1), epoch: epoch)
        }
    }

    /// Runs `server` for the duration of `body`, then cancels it and waits for it to stop.
    static func serving<R: Sendable>(
        _ server: BusSnapshotServer, _ body: () async throws -> R
    ) async throws -> R {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    @Test func answersSnapshotWithRecordsAndEnd() async throws {
        let context = try ZMQContext()
        let cache = InMemoryBusCache(epoch: 1)
        for record in Self.records("orders.eu", count: 3) + Self.records("payments", count: 2) { cache.add(record) }
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        try await Self.serving(server) {
            let reply = try await BusSnapshotClient.request(
                .snapshot(topicPrefix: "orders."), endpoint: server.boundEndpoint, context: context)
            #expect(reply.records == Self.records("orders.eu", count: 3))
            #expect(reply.end == BusEndMarker(epoch: 1, sequence: 2))  // the last added record
            let all = try await BusSnapshotClient.request(
                .snapshot(topicPrefix: ""), endpoint: server.boundEndpoint, context: context)
            #expect(all.records.count == 5)
            try await waitUntil("served count") { server.requestsServed == 2 }
            #expect(server.requestsReceived == 2)
        }
    }

    @Test func replayRoundTrip() async throws {
        let context = try ZMQContext()
        let cache = InMemoryBusCache(epoch: 1)
        for record in Self.records("a", count: 10) + Self.records("b", count: 10) { cache.add(record) }
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        try await Self.serving(server) {
            let reply = try await BusSnapshotClient.request(
                .replay(BusReplayOffsets(["a": [0: 7]])), endpoint: server.boundEndpoint, context: context)
            #expect(reply.records.map(\.offset) == [7, 8, 9])
            #expect(reply.records.allSatisfy { $0.topic == "a" })
        }
    }

    @Test func malformedRequestsGetErrorAndServerKeepsServing() async throws {
        let context = try ZMQContext()
        let cache = InMemoryBusCache(epoch: 1)
        cache.add(Self.records("t", count: 1)[0])
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, handler: cache.answer)
        try await Self.serving(server) {
            let cases: [([[UInt8]], String)] = [
                ([Array("DELETE".utf8), Array("everything".utf8)], "unknown request"),
                ([Array("SNAPSHOT".utf8)], "must have 2 frames"),
                ([Array("REPLAY".utf8), Array("{oops".utf8)], "JSON"),
                ([Array("REPLAY".utf8), Array(#"{"t":{"0":-1}}"#.utf8)], "negative"),
            ]
            let answers = try await DedicatedThreadForTests.run {
                let dealer = try ZMQSocket(context: context, type: .dealer)
                try dealer.connect(server.boundEndpoint)
                var answers: [[[UInt8]]?] = []
                for (frames, _) in cases {
                    try dealer.send(frames)
                    answers.append(try dealer.receiveMultipart(timeout: .seconds(10)))
                }
                dealer.close()
                return answers
            }
            for ((_, expected), answer) in zip(cases, answers) {
                let reply = try BusReply(frames: try #require(answer))
                guard case let .error(error) = reply else {
                    Issue.record("expected ERROR, got \(reply)")
                    continue
                }
                #expect(error.code == .malformedRequest && error.message.contains(expected), "\(error)")
            }
            #expect(server.malformedRequests == cases.count)
            // Still serving valid requests.
            let reply = try await BusSnapshotClient.request(
                .snapshot(topicPrefix: ""), endpoint: server.boundEndpoint, context: context)
            #expect(reply.records.count == 1)
        }
    }

    @Test func slowHandlerDoesNotBlockOtherClients() async throws {
        let context = try ZMQContext()
        let releaseSlow = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let slowStarted = Atomic<Bool>(false)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context) { request, writer in
            if case .snapshot("slow") = request {
                slowStarted.store(true, ordering: .relaxed)
                await withCheckedContinuation { continuation in releaseSlow.withLock { $0 = continuation } }
            }
            try await writer.send(BusRecord(topic: "x", partition: 0, offset: 0, key: nil, value: [0x31], sequence: 1, epoch: 1))
            try await writer.finish(BusEndMarker(epoch: 1, sequence: 1))
        }
        try await Self.serving(server) {
            try await withThrowingTaskGroup(of: BusSnapshot.self) { group in
                group.addTask {
                    try await BusSnapshotClient.request(
                        .snapshot(topicPrefix: "slow"), endpoint: server.boundEndpoint, context: context,
                        idleTimeout: .seconds(30))
                }
                try await waitUntil("slow handler to start") { slowStarted.load(ordering: .relaxed) }
                // The slow request is still pending, yet another client is served.
                let fast = try await BusSnapshotClient.request(
                    .snapshot(topicPrefix: "fast"), endpoint: server.boundEndpoint, context: context,
                    idleTimeout: .seconds(5))
                #expect(fast.records.count == 1)
                // Counted right after the END went to the socket, so possibly after it arrived.
                try await waitUntil("one request served") { server.requestsServed == 1 }
                try await waitUntil("slow handler parked") { releaseSlow.withLock { $0 != nil } }
                releaseSlow.withLock { $0?.resume(); $0 = nil }
                let slow = try await group.next()
                #expect(slow?.records.count == 1)
            }
        }
    }

    @Test func handlerFailuresBecomeErrorReplies() async throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "kafka unavailable" } }
        let context = try ZMQContext()
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context) { request, _ in
            if case .snapshot("throw") = request { throw Boom() }
            // Otherwise return without END.
        }
        try await Self.serving(server) {
            await #expect(throws: BusClientError.server(BusServerError(.internal, "kafka unavailable"))) {
                try await BusSnapshotClient.request(.snapshot(topicPrefix: "throw"), endpoint: server.boundEndpoint, context: context)
            }
            await #expect(throws: BusClientError.server(BusServerError(.internal, "internal error: the request handler sent no END"))) {
                try await BusSnapshotClient.request(.snapshot(topicPrefix: "x"), endpoint: server.boundEndpoint, context: context)
            }
        }
    }

    @Test func largeReplyWithBackpressureArrivesComplete() async throws {
        let context = try ZMQContext()
        let count = 20_000
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context, maxQueuedReplies: 100) { _, writer in
            for record in Self.records("big", count: count) { try await writer.send(record) }
            try await writer.finish(BusEndMarker(epoch: 1, sequence: UInt64(count)))
        }
        try await Self.serving(server) {
            let reply = try await BusSnapshotClient.request(
                .snapshot(topicPrefix: ""), endpoint: server.boundEndpoint, context: context)
            #expect(reply.records.count == count)
            #expect(reply.records.map(\.offset) == (0..<count).map(Int64.init))
        }
    }

    @Test func writerRejectsSecondFinish() async throws {
        let context = try ZMQContext()
        let secondFinish = Mutex<(any Error)?>(nil)
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context) { _, writer in
            try await writer.finish(BusEndMarker(epoch: 1, sequence: 0))
            do { try await writer.fail(.internal, "again") } catch { secondFinish.withLock { $0 = error } }
        }
        try await Self.serving(server) {
            let reply = try await BusSnapshotClient.request(.snapshot(topicPrefix: ""), endpoint: server.boundEndpoint, context: context)
            #expect(reply.records.isEmpty)
            try await waitUntil("handler done") { secondFinish.withLock { $0 != nil } }
            #expect(secondFinish.withLock { $0 as? BusReplyWriterError } == .alreadyFinished)
        }
    }

    @Test func clientTimesOutWhenNoServer() async throws {
        let context = try ZMQContext()
        await #expect(throws: BusClientError.self) {
            try await BusSnapshotClient.request(
                .snapshot(topicPrefix: ""), endpoint: "tcp://127.0.0.1:1", context: context, idleTimeout: .milliseconds(200))
        }
    }

    @Test func runsOnlyOnce() async throws {
        let context = try ZMQContext()
        let server = try BusSnapshotServer(endpoint: randomLoopback, context: context) { _, writer in
            try await writer.finish(BusEndMarker(epoch: 1, sequence: 0))
        }
        try await Self.serving(server) {
            // Answering proves the first run() owns the socket; a second one must refuse.
            _ = try await BusSnapshotClient.request(.snapshot(topicPrefix: ""), endpoint: server.boundEndpoint, context: context)
            await #expect(throws: BusSnapshotServerError.alreadyRan) { try await server.run() }
        }
    }
}

/// Runs blocking socket code of a test on its own thread.
enum DedicatedThreadForTests {
    static func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}
