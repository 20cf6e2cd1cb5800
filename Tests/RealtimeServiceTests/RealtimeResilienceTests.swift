import Foundation
import Kafka
import Testing
import TestSupport

/// A replica started late, ingestd restarted mid-stream, a replica killed.
@Suite(.serialized) struct RealtimeResilienceTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// The `n` of every `ticks` event after the history event, in order.
    static func tickNumbers(_ client: RealtimeTestClient) -> [Int] {
        client.payloads("ticks").dropFirst().compactMap { (RealtimeTestClient.record($0)?["value"] as? [String: Any])?["n"] as? Int }
    }

    static func historyNumbers(_ client: RealtimeTestClient) -> [Int] {
        ((client.payloads("ticks").first as? [Any]) ?? []).compactMap { (($0 as? [String: Any])?["value"] as? [String: Any])?["n"] as? Int }
    }

    func produceTicks(_ range: Range<Int>) throws {
        for n in range { try producer.send(topic: "ticks", value: Array(#"{"n":\#(n)}"#.utf8), timestamp: 1000 + Int64(n)) }
        try producer.flush()
    }

    @Test func lateReplicaServesTheCacheAndIngestdRestartLeavesNoGapNorDuplicate() async throws {
        try producer.createTopics(["ticks"])
        // ingestd caches 20 records per topic: more than that arrive while it is down, so the
        // replicas must read the rest back (REPLAY) to leave no gap.
        let ingestd = try IngestdProcess(broker: broker, group: "restart", environment: ["HISTORY_SIZE": "20"])
        try await ingestd.waitUntilReady()
        let replicaA = try RealtimedProcess(ingestd: [ingestd], replica: "a")
        try await replicaA.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)
        try produceTicks(0..<30)
        let seen = await eventually(timeout: 20) {
            guard let body = await replicaA.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["ticks"]?["records_seen"] as? Int == 30
        }
        #expect(seen)

        // A replica started late serves the full cache as soon as it answers, within a second.
        let started = Date()
        let replicaB = try RealtimedProcess(ingestd: [ingestd], replica: "b")
        let answering = await eventually(timeout: 10, interval: 0.01) { await replicaB.get("/health")?.status == 200 }
        let startup = Date().timeIntervalSince(started)
        #expect(answering)
        #expect(startup < 1.0, "replica b took \(startup) s to serve")
        let late = try RealtimeTestClient(.python5, url: replicaB.url, events: ["ticks", "sensor_values"])
        try await late.waitFor("the history") { $0.contains { $0.event == "ticks" } }
        #expect(Self.historyNumbers(late) == Array(10..<30), "ingestd's cache")

        let client = try RealtimeTestClient(.python5, url: replicaA.url, events: ["ticks", "sensor_values"])
        try await client.waitFor("the history") { $0.contains { $0.event == "ticks" } }
        #expect(Self.historyNumbers(client) == Array(0..<30))

        let ordered = try RealtimeTestClient(.javascript, url: replicaA.url, events: [])
        try await ordered.waitFor("the history") { $0.contains { $0.event == "ticks" } }

        // Live, then ingestd stops, records arrive meanwhile, a new ingestd (new epoch) takes over.
        try produceTicks(30..<60)
        try await client.waitFor("ticks up to 59") { _ in Set(Self.tickNumbers(client)).isSuperset(of: 30..<60) }
        #expect(ingestd.process.stop() == 0)
        try produceTicks(60..<90)
        let restarted = try IngestdProcess(
            broker: broker, group: "restart", environment: ["HISTORY_SIZE": "20"],
            ports: (http: ingestd.httpPort, publish: Int(ingestd.publishEndpoint.split(separator: ":").last!)!,
                    snapshot: Int(ingestd.snapshotEndpoint.split(separator: ":").last!)!))
        try await restarted.waitUntilReady()
        try produceTicks(90..<120)
        for observer in [client, late, ordered] {
            try await observer.waitFor("ticks up to 119", timeout: 30) { _ in Set(Self.tickNumbers(observer)).isSuperset(of: 30..<120) }
            // Every record once: no gap, no duplicate. (python-engineio runs each received message's
            // handler on its own thread, so the client may print neighbours swapped; the server
            // sends them in order, which the JS client test below checks.)
            #expect(Self.tickNumbers(observer).sorted() == Array(30..<120), "\(Self.tickNumbers(observer))")
            #expect(!observer.observations.contains { $0.event == "$disconnected" })
        }

        #expect(Self.tickNumbers(ordered) == Array(30..<120), "in order: \(Self.tickNumbers(ordered))")

        // Killing one replica leaves the other serving.
        replicaB.process.stop(signal: SIGKILL)
        try produceTicks(120..<121)
        try await client.waitFor("tick 120") { _ in Self.tickNumbers(client).contains(120) }
        #expect(replicaA.process.isRunning && restarted.process.isRunning)
    }
}

extension RealtimeResilienceTests {
    @Test func twoIngestdsDeliverEachRecordOnceAndEitherMayDie() async throws {
        try producer.createTopics(["ticks"])
        let first = try IngestdProcess(broker: broker, group: "mirror-1")
        let second = try IngestdProcess(broker: broker, group: "mirror-2")
        try await first.waitUntilReady()
        try await second.waitUntilReady()
        let replica = try RealtimedProcess(ingestd: [first, second], replica: "m")
        try await replica.waitUntilReady()
        try await first.waitForBusSubscribers(1)
        try await second.waitForBusSubscribers(1)
        let client = try RealtimeTestClient(.javascript, url: replica.url, events: [])
        try await client.waitUntilConnected()
        // The topic had no records when the client connected: every ticks event is a live one.
        func ticks() -> [Int] {
            client.payloads("ticks").compactMap { (RealtimeTestClient.record($0)?["value"] as? [String: Any])?["n"] as? Int }
        }
        try produceTicks(0..<20)
        try await client.waitFor("20 ticks") { _ in ticks().count >= 20 }
        let bothDelivered = await eventually(timeout: 10) {
            (await replica.metric("realtime_bus_duplicates_total") ?? 0) >= 20
        }
        #expect(bothDelivered, "the second publisher's copies were counted as duplicates")
        first.process.stop(signal: SIGKILL)
        try produceTicks(20..<30)
        try await client.waitFor("30 ticks") { _ in ticks().count >= 30 }
        #expect(ticks() == Array(0..<30), "each record once, in order: \(ticks())")
        #expect(replica.process.isRunning && second.process.isRunning)
    }
}

extension RealtimeResilienceTests {
    @Test func aClientThatStopsReadingIsDroppedAndCounted() async throws {
        try producer.createTopics(["bulk"])
        let ingestd = try IngestdProcess(broker: broker, group: "slow")
        try await ingestd.waitUntilReady()
        let replica = try RealtimedProcess(ingestd: [ingestd], replica: "q", environment: [
            "CLIENT_QUEUE_MESSAGES": "20", "CLIENT_QUEUE_BYTES": "65536"])
        try await replica.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)
        let python = try TestEnvironment.require(TestEnvironment.python)
        let stalled = try ChildProcess(python, [
            "-u", RealtimeTestClient.clients.appendingPathComponent("stalled_client.py").path,
            "ws://127.0.0.1:\(replica.port)/socket.io/?EIO=4&transport=websocket"], label: "stalled-client")
        #expect(await eventually(timeout: 15) { stalled.output.contains("joined") }, "\(stalled.output)")
        // About 8 MB: more than the kernel buffers and the engine's queue bound hold.
        let padding = String(repeating: "x", count: 8000)
        for n in 0..<1000 { try producer.send(topic: "bulk", value: Array(#"{"n":\#(n),"pad":"\#(padding)"}"#.utf8)) }
        try producer.flush()
        let dropped = await eventually(timeout: 30, interval: 0.2) {
            (await replica.metric("realtime_slow_clients_dropped_total") ?? 0) >= 1
        }
        #expect(dropped, "log:\n\(replica.process.output.suffix(2000))")
        #expect(await eventually(timeout: 10) { await replica.metric("realtime_clients") == 0 })
        #expect(replica.process.isRunning)
        stalled.stop(signal: SIGKILL)
    }
}
