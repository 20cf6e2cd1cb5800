import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 17, beyond one machine: two ingestd shards (`SHARD_COUNT=2`) split a four-partition
/// topic of a Tansu broker, and realtimed and exportd follow both buses. Every record reaches a
/// Socket.IO client exactly once and in its partition's order, and the export holds it exactly
/// once, also across a restart of one shard while records keep coming (more of them than its
/// cache holds, so the restarted shard's snapshot alone would leave a gap); a replica started
/// late merges the two shards' caches into one history ordered by Kafka timestamp.
@Suite(.serialized) struct ShardedIngestEndToEndTests {
    let broker: TansuBroker
    let producer: KafkaProducer
    static let topic = "buyOffer"
    static let partitions: Int32 = 4
    /// Kafka timestamps: record `n` was produced at `base + n` ms, so time order is `n` order.
    let base = Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// Records `n` of `range`, record `n` on partition `n mod partitions` with value
    /// `{"n": n, "p": partition}`.
    func produce(_ range: Range<Int>, topic: String = Self.topic, partitions: Int32 = Self.partitions) throws {
        for n in range {
            let partition = Int32(n) % partitions
            try producer.send(topic: topic, value: Array(#"{"n":\#(n),"p":\#(partition)}"#.utf8),
                              partition: partition, timestamp: base + Int64(n))
        }
        try producer.flush()
    }

    /// Shard `index` of two, on `ports` when given (a restart takes its predecessor's ports).
    func shard(_ index: Int, ports: (http: Int, publish: Int, snapshot: Int)? = nil) throws -> IngestdProcess {
        try IngestdProcess(broker: broker, group: "shards-e2e", environment: [
            "SHARD_COUNT": "2", "SHARD_INDEX": String(index), "TOPIC_FORMATS": ".*=json", "HISTORY_SIZE": "20",
        ], ports: ports)
    }

    static func port(_ endpoint: String) -> Int { Int(endpoint.split(separator: ":").last!)! }

    /// The `(n, p)` of a client's live events of `topic`, in the order it printed them.
    static func live(_ client: RealtimeTestClient, topic: String = Self.topic) -> [(n: Int, p: Int)] {
        client.payloads(topic).compactMap { payload in
            guard let value = RealtimeTestClient.record(payload)?["value"] as? [String: Any],
                  let n = value["n"] as? Int, let p = value["p"] as? Int else { return nil }
            return (n, p)
        }
    }

    /// Whether every partition's numbers come in increasing order.
    static func inPartitionOrder(_ records: [(n: Int, p: Int)]) -> Bool {
        var last: [Int: Int] = [:]
        for record in records {
            if let previous = last[record.p], previous >= record.n { return false }
            last[record.p] = record.n
        }
        return true
    }

    @Test func twoShardsDeliverEveryRecordOnceInPartitionOrderAcrossAShardRestart() async throws {
        try producer.createTopics([Self.topic], partitions: Self.partitions)
        let shard0 = try shard(0)
        var shard1 = try shard(1)
        try await shard0.waitUntilReady()
        try await shard1.waitUntilReady()
        #expect(await shard0.get("/health")?.body.contains(#""assignedPartitions":"2""#) == true)
        #expect(await shard1.get("/health")?.body.contains(#""shard":"1\/2""#) == true)

        let realtimed = try RealtimedProcess(ingestd: [shard0, shard1], replica: "shards-a")
        try await realtimed.waitUntilReady()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("shards-e2e-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let exportd = try ExportdProcess(ingestds: [shard0, shard1], dataDirectory: data,
                                         environment: ["MERCHANT_TOPICS": Self.topic])
        try await exportd.waitUntilReady()
        try await shard0.waitForBusSubscribers(2)
        try await shard1.waitForBusSubscribers(2)
        // python-socketio for exactly-once; the JS client also prints in the order it received
        // (python-engineio may print neighbours swapped).
        let python = try RealtimeTestClient(.python5, url: realtimed.url, events: [Self.topic])
        let ordered = try RealtimeTestClient(.javascript, url: realtimed.url, events: [])
        try await python.waitUntilConnected()
        try await ordered.waitUntilConnected()

        // Both shards up.
        try produce(0..<200)
        for client in [python, ordered] {
            try await client.waitFor("records 0..<200", timeout: 30) { _ in Set(Self.live(client).map(\.n)).isSuperset(of: 0..<200) }
        }

        // Shard 1 stops; 200 records arrive meanwhile, 100 on its partitions (its cache holds 20);
        // a new shard 1 (new epoch) takes over on the same endpoints; 200 more.
        let stopStatus = shard1.process.stop(timeout: 20)  // room for a crash report
        #expect(stopStatus == 0, "shard 1 on SIGTERM: \(shard1.process.output.suffix(20_000))")
        try produce(200..<400)
        shard1 = try shard(1, ports: (http: shard1.httpPort, publish: Self.port(shard1.publishEndpoint),
                                      snapshot: Self.port(shard1.snapshotEndpoint)))
        try await shard1.waitUntilReady()
        try produce(400..<600)

        let expected = Array(0..<600)
        for client in [python, ordered] {
            let all = await eventually(timeout: 60) { Set(Self.live(client).map(\.n)).isSuperset(of: expected) }
            #expect(all, "\(client.kind) has \(Set(Self.live(client).map(\.n)).count) of 600; realtimed:\n\(realtimed.process.output.suffix(3000))")
            #expect(Self.live(client).map(\.n).sorted() == expected, "\(client.kind): each record once")
            #expect(!client.observations.contains { $0.event == "$disconnected" })
        }
        #expect(Self.inPartitionOrder(Self.live(ordered)), "per-partition order: \(Self.live(ordered).map(\.n))")
        // The restarted shard's cache could not cover what its partitions got meanwhile: the
        // missing records came by a REPLAY from that shard.
        #expect(realtimed.process.output.contains("missed while the publisher was away"), "\(realtimed.process.output.suffix(3000))")

        // The export: each record one row, each partition's rows in offset order.
        let stored = await eventually(timeout: 30) { Set(await exportd.numberedRows(Self.topic).map(\.n)).isSuperset(of: expected) }
        let rows = await exportd.numberedRows(Self.topic)
        #expect(stored, "export has \(Set(rows.map(\.n)).count) of 600; exportd:\n\(exportd.process.output.suffix(3000))")
        #expect(rows.map(\.n).sorted() == expected, "each record one row")
        #expect(Self.inPartitionOrder(rows), "export rows in partition order")

        // A replica started now merges both shards' caches (the last 20 records each received;
        // fetches arrive partition by partition, so they need not be the newest 20 by time): the
        // history is those 40 records in Kafka timestamp order (one shard's snapshot after the
        // other's would not be), and the latest value is the newest of them, whichever shard
        // it came from and whichever snapshot came last.
        let late = try RealtimedProcess(ingestd: [shard0, shard1], replica: "shards-b")
        try await late.waitUntilReady()
        let lateClient = try RealtimeTestClient(.python5, url: late.url, events: [Self.topic])
        try await lateClient.waitFor("the history") { $0.contains { $0.event == Self.topic } }
        let history = try #require(lateClient.payloads(Self.topic).first as? [Any])
        let numbers = history.compactMap { (RealtimeTestClient.record($0)?["value"] as? [String: Any])?["n"] as? Int }
        #expect(numbers.count == 40 && numbers.filter { $0 % 2 == 0 }.count == 20, "merged history: \(numbers)")
        #expect(numbers == numbers.sorted() && Set(numbers).count == 40, "merged history in time order: \(numbers)")
        let body = try #require(await late.get("/status")?.body)
        let status = try #require(try JSONSerialization.jsonObject(with: body) as? [String: [String: Any]])
        let last = try #require(status[Self.topic]?["last_record"] as? [String: Any])
        #expect((last["value"] as? [String: Any])?["n"] as? Int == numbers.max(), "latest value: \(last)")
        #expect(shard0.process.isRunning && shard1.process.isRunning && realtimed.process.isRunning && exportd.process.isRunning)
    }

    /// A topic created while the shards run (found by the topic regex at the next refresh) is
    /// split the same way: with three partitions, shard 0 takes 0 and 2, shard 1 takes 1, each
    /// from the partition's beginning, so the records written before the refresh noticed the
    /// topic are not lost, and none arrives twice.
    @Test func aTopicCreatedWhileTheShardsRunIsSplitAndEachRecordArrivesOnce() async throws {
        let shard0 = try shard(0)
        let shard1 = try shard(1)
        try await shard0.waitUntilReady()
        try await shard1.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [shard0, shard1], replica: "shards-late-topic")
        try await realtimed.waitUntilReady()
        try await shard0.waitForBusSubscribers(1)
        try await shard1.waitForBusSubscribers(1)
        let client = try RealtimeTestClient(.javascript, url: realtimed.url, events: [])
        try await client.waitUntilConnected()

        try producer.createTopics(["addOffer"], partitions: 3)
        try produce(0..<90, topic: "addOffer", partitions: 3)
        let all = await eventually(timeout: 30) { Set(Self.live(client, topic: "addOffer").map(\.n)).isSuperset(of: 0..<90) }
        let received = Self.live(client, topic: "addOffer")
        #expect(all, "client has \(Set(received.map(\.n)).count) of 90; shard 1:\n\(shard1.process.output.suffix(2000))")
        #expect(received.map(\.n).sorted() == Array(0..<90), "each record once")
        #expect(Self.inPartitionOrder(received))
        #expect(await shard0.get("/health")?.body.contains(#""assignedPartitions":"2""#) == true)
        #expect(await shard1.get("/health")?.body.contains(#""assignedPartitions":"1""#) == true)
    }
}
