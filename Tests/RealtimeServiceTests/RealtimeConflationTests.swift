import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 19: conflation for dashboards against a real ingestd, a Tansu broker and python-socketio
/// clients: `"conflate": {"everyMs": N}` sends at most one record per key per window and ends
/// with every key's newest value, after the latest record of every key on subscribe;
/// `"maxPerSecond"` caps what a client gets; an unconflated client in the same run gets
/// everything; bad arguments are refused in the ack.
@Suite(.serialized) struct RealtimeConflationTests {
    let broker: TansuBroker
    let producer: KafkaProducer
    let keys = ["k0", "k1", "k2", "k3"]

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    func send(_ key: String, _ version: Int) throws {
        try producer.send(topic: "gauges", key: Array("\"\(key)\"".utf8), value: Array(#"{"k":"\#(key)","v":\#(version)}"#.utf8),
                          timestamp: 1000 + Int64(version))
    }

    /// The live `gauges` events a client got after its subscribe ack, as (key, version, receipt time).
    func received(_ client: RealtimeTestClient) -> [(key: String, version: Int, time: Double)] {
        let observations = client.observations
        guard let ack = observations.firstIndex(where: { $0.event == "$ack" }) else { return [] }
        return observations[ack...].filter { $0.event == "gauges" }.compactMap { observation in
            guard let value = RealtimeTestClient.record(observation.payload)?["value"] as? [String: Any],
                  let key = value["k"] as? String, let version = value["v"] as? Int else { return nil }
            return (key, version, observation.raw["t"] as? Double ?? 0)
        }
    }

    /// The newest version of each key among `events`.
    func newest(_ events: [(key: String, version: Int, time: Double)]) -> [String: Int] {
        events.reduce(into: [:]) { $0[$1.key] = max($0[$1.key] ?? -1, $1.version) }
    }

    @Test func conflatedClientsGetTheLatestPerKeyPerWindowAndTheOthersEverything() async throws {
        try producer.createTopics(["gauges"])
        let ingestd = try IngestdProcess(broker: broker, group: "conflation", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        // Before anyone subscribes: versions 0...4 of every key.
        for version in 0..<5 { for key in keys { try send(key, version) } }
        try producer.flush()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "conflation")
        try await realtimed.waitUntilReady()
        let seen = await eventually(timeout: 20) {
            guard let body = await realtimed.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["gauges"]?["records_seen"] as? Int == 20
        }
        #expect(seen)

        let window = 500
        let cap = 4
        let events = ["gauges"]
        func subscriber(_ kind: RealtimeTestClient.Kind, _ arguments: [String: Any]) throws -> RealtimeTestClient {
            try RealtimeTestClient(kind, url: realtimed.url, events: events,
                                   actions: [["emit": "subscribe", "args": [["topics": ["gauges"]].merging(arguments) { $1 }]]])
        }
        let conflated = try subscriber(.python5, ["conflate": ["everyMs": window]])
        let sharing = try subscriber(.python5, ["conflate": ["everyMs": window]])
        let capped = try subscriber(.python5, ["maxPerSecond": cap])
        let plain = try subscriber(.python5, [:])
        let bad = try RealtimeTestClient(.python5, url: realtimed.url, events: events, actions: [
            ["emit": "subscribe", "args": [["topics": ["gauges"], "conflate": ["everyMs": 5]]]],
            ["emit": "subscribe", "args": [["topics": ["gauges"], "conflate": ["everyMs": 60_001]]]],
            ["emit": "subscribe", "args": [["topics": ["gauges"], "conflate": 100]]],
            ["emit": "subscribe", "args": [["topics": ["gauges"], "maxPerSecond": 0]]],
            ["emit": "subscribe", "args": [["topics": ["gauges"], "maxPerSecond": "10"]]],
        ])
        for client in [conflated, sharing, capped, plain] {
            try await client.waitFor("subscribe ack") { $0.contains { $0.event == "$ack" } }
        }
        try await bad.waitFor("five acks") { $0.filter { $0.event == "$ack" }.count == 5 }

        // Refused in the ack, each with its code; nothing subscribed.
        let errors = bad.observations.filter { $0.event == "$ack" }.map { ($0.payload as? [String: Any])?["error"] as? String ?? "" }
        #expect(errors.map { $0.hasSuffix("[bad-conflate]") } == [true, true, true, false, false], "\(errors)")
        #expect(errors.suffix(2).allSatisfy { $0.hasSuffix("[bad-max-per-second]") }, "\(errors)")
        let ack = try #require(conflated.observations.first { $0.event == "$ack" }?.payload as? [String: Any])
        #expect(ack["conflation"] as? [String: Int] == ["everyMs": window], "\(ack)")

        // On subscribe, the latest record of every key, before anything live.
        for client in [conflated, sharing] {
            try await client.waitFor("latest per key") { _ in self.received(client).count >= 4 }
            let first = received(client).prefix(4)
            #expect(Set(first.map(\.key)) == Set(keys) && first.allSatisfy { $0.version == 4 }, "\(first)")
        }
        #expect(received(plain).isEmpty && received(capped).isEmpty, "no latest per key without conflate")

        // Live: bursts of 10 versions of every key, 8 times over about 1.6 s.
        var version = 5
        var late: RealtimeTestClient?
        for round in 0..<8 {
            // One more conflated client joins the room in the middle of the bursts.
            if round == 4 { late = try subscriber(.python5, ["conflate": ["everyMs": window]]) }
            for _ in 0..<10 {
                for key in keys { try send(key, version) }
                version += 1
            }
            try producer.flush()
            try await Task.sleep(for: .milliseconds(200))
        }
        let last = version - 1
        let everyKeyNewest = Dictionary(uniqueKeysWithValues: keys.map { ($0, last) })
        try await plain.waitFor("every live record") { _ in self.received(plain).count == 320 }
        let lateClient = try #require(late)
        for client in [conflated, sharing, capped, lateClient] {
            try await client.waitFor("every key's newest value") { _ in self.newest(self.received(client)) == everyKeyNewest }
        }
        try await Task.sleep(for: .milliseconds(window * 2))

        for key in keys {
            // Everything, in order per key (keys in different partitions may interleave).
            #expect(received(plain).filter { $0.key == key }.map(\.version) == Array(5...last), "\(key)")
        }
        for client in [conflated, sharing, capped] {
            let live = Array(received(client).dropFirst(client === capped ? 0 : 4))
            for key in keys {
                let mine = live.filter { $0.key == key }
                // Never a stale value: each key's versions only grow, and its newest comes last.
                #expect(mine.map(\.version) == mine.map(\.version).sorted() && Set(mine.map(\.version)).count == mine.count,
                        "\(key): \(mine.map(\.version))")
                #expect(mine.last?.version == last)
                if client !== capped {
                    // At most one per key per window: windows of 500 ms over about 1.6 s of bursts.
                    #expect(mine.count <= 6, "\(key): \(mine.map(\.version))")
                    // Receipt times: one window apart when sent, less any scheduling delay of the
                    // earlier one (up to 350 ms allowed); unconflated records come ms apart.
                    for (earlier, later) in zip(mine, mine.dropFirst()) {
                        #expect(later.time - earlier.time > Double(window) / 1000 * 0.3,
                                "\(key): two records \(later.time - earlier.time) s apart")
                    }
                }
            }
            if client === capped {
                // The server sends at most `cap` records in any second. Times here are receipt
                // times, late by up to a busy machine's scheduling delay (under a second): records
                // received within one second were sent within two, so at most twice the cap.
                for (index, event) in live.enumerated() {
                    let second = live[index...].prefix { $0.time < event.time + 1.0 }
                    #expect(second.count <= 2 * cap, "\(second.count) records within a second")
                }
                #expect(live.count < 40, "capped: \(live.count) of 320")
            }
        }
        // The late client: the latest per key when it joined, then the room's windows; never a
        // value twice or an older one after a newer one, across the two.
        for key in keys {
            let versions = received(lateClient).filter { $0.key == key }.map(\.version)
            #expect(versions == versions.sorted() && Set(versions).count == versions.count, "late \(key): \(versions)")
        }
        // The two clients with the same conflation share a room: the same events, in the same order.
        #expect(received(conflated).map { "\($0.key)=\($0.version)" } == received(sharing).map { "\($0.key)=\($0.version)" })

        #expect(await realtimed.metric("realtime_conflated_records_total") ?? 0 > 0)
        #expect(await realtimed.metric("realtime_rate_capped_records_total") ?? 0 > 0)
        #expect(await realtimed.metric("realtime_subscriptions_refused_total") ?? 0 >= 5)
        #expect(realtimed.process.isRunning)
    }
}
