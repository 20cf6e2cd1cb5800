import Bus
import Foundation
import Kafka
import Synchronization
import Testing
import TestSupport
import ZeroMQ

/// Issue 11: hostile bus peers against ingestd as a process. Each attack gets a clear ERROR,
/// is counted in /metrics, and ingestd keeps serving everyone else.
@Suite(.serialized) struct IngestHostileBusTests {
    let broker: TansuBroker
    let producer: KafkaProducer
    let context: ZMQContext

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        context = try ZMQContext()
    }

    func serverError(_ body: () async throws -> BusSnapshot) async -> BusServerError? {
        do {
            _ = try await body()
            return nil
        } catch BusClientError.server(let error) {
            return error
        } catch {
            return BusServerError(.unspecified, "unexpected: \(error)")
        }
    }

    @Test func overflowingPresenceCountsAreRefusedAndCounted() async throws {
        try producer.createTopics(["p"])
        let ingestd = try IngestdProcess(broker: broker, group: "presence")
        try await ingestd.waitUntilReady()
        for replica in ["evil-1", "evil-2"] {
            let error = await serverError {
                try await ingestd.request(.presence(.init(replica: replica, clients: Int.max, ttlMilliseconds: 60_000)),
                                          context: context)
            }
            #expect(error?.code == .limitReached, "\(error.map(String.init(describing:)) ?? "accepted")")
            #expect(error?.message.contains("exceeds the limit") == true)
        }
        _ = try await ingestd.request(.presence(.init(replica: "good", clients: 3, ttlMilliseconds: 60_000)), context: context)
        let counted = await eventually(timeout: 5) {
            await ingestd.metric("ingest_bus_requests_refused_total{limit=\"presence_clients\"}") == 2
        }
        #expect(counted)
        #expect(ingestd.process.isRunning)
        #expect(await ingestd.get("/health")?.status == 200)
    }

    @Test func concurrentReplaysBeyondTheQueueAreRefusedTheOthersComplete() async throws {
        try producer.createTopics(["r"])
        for index in 0..<300 { try producer.send(topic: "r", value: Array("{\"i\":\(index)}".utf8)) }
        try producer.flush()
        let ingestd = try IngestdProcess(broker: broker, group: "replays", environment: [
            "BUS_MAX_CONCURRENT_REPLAYS": "2", "BUS_MAX_QUEUED_REPLAYS": "2"])
        try await ingestd.waitUntilReady()
        let context = self.context
        let outcomes = await withTaskGroup(of: Result<Int, any Error>.self) { group in
            for _ in 0..<30 {
                group.addTask {
                    do {
                        let reply = try await ingestd.request(.replay(BusReplayOffsets(["r": [0: 0]])), context: context)
                        return .success(reply.records.count)
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<Int, any Error>] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let completed = outcomes.compactMap { try? $0.get() }
        let refused = outcomes.compactMap { outcome -> BusServerError? in
            guard case .failure(BusClientError.server(let error)) = outcome else { return nil }
            return error
        }
        #expect(completed.count + refused.count == 30, "\(outcomes)")
        #expect(completed.allSatisfy { $0 == 300 }, "every replay served is complete")
        #expect(completed.count >= 4, "2 running and 2 queued are served")
        #expect(refused.count >= 10)
        #expect(refused.allSatisfy { $0.code == .limitReached && $0.message.contains("too many replays") }, "\(refused)")
        let counted = await eventually(timeout: 5) {
            await ingestd.metric("ingest_bus_requests_refused_total{limit=\"replays\"}") == Double(refused.count)
        }
        #expect(counted)
        // Served again once the burst is over.
        let after = try await ingestd.request(.replay(BusReplayOffsets(["r": [0: 290]])), context: context)
        #expect(after.records.count == 10)
        #expect(ingestd.process.isRunning)
    }
}

extension IngestHostileBusTests {
    /// Threads of a process, from /proc.
    static func threadCount(_ pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? 0
    }

    @Test func threeHundredConcurrentReplaysKeepIngestdsThreadsBounded() async throws {
        try producer.createTopics(["burst"])
        for index in 0..<200 { try producer.send(topic: "burst", value: Array("{\"i\":\(index)}".utf8)) }
        try producer.flush()
        // Default limits: 8 running, 64 queued.
        let ingestd = try IngestdProcess(broker: broker, group: "burst")
        try await ingestd.waitUntilReady()
        let pid = ingestd.process.process.processIdentifier
        let baseline = Self.threadCount(pid)
        let context = self.context
        let peak = Mutex(0)
        let sampling = Task.detached {
            while !Task.isCancelled {
                let count = Self.threadCount(pid)
                peak.withLock { $0 = max($0, count) }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<300 {
                group.addTask {
                    (try? await ingestd.request(.replay(BusReplayOffsets(["burst": [0: 0]])), context: context))?
                        .records.count == 200
                }
            }
            var served = 0
            for await complete in group where complete { served += 1 }
            return served
        }
        sampling.cancel()
        let highest = peak.withLock { $0 }
        // Each running replay holds one librdkafka client (a handful of threads); 8 at once.
        #expect(highest - baseline < 80, "ingestd went from \(baseline) to \(highest) threads")
        #expect(outcomes >= 8 + 64, "the running and queued replays are served (\(outcomes))")
        let refused = await ingestd.metric("ingest_bus_requests_refused_total{limit=\"replays\"}") ?? 0
        #expect(Int(refused) + outcomes == 300)
        #expect(await ingestd.get("/health")?.status == 200)
    }
}
