import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 19: `subscribe` with a filter, against a real ingestd and reference clients: a client
/// gets only the records that pass its filter, in its subscription's history and live; the text
/// and JSON forms of one filter are one subscription (one room).
@Suite(.serialized) struct RealtimeFilterTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    func record(_ n: Int) -> String { #"{"n":\#(n),"shop":"s\#(n % 3)","price":\#(Double(n) * 1.5)}"# }
    func passes(_ n: Int) -> Bool { n % 3 == 1 && Double(n) * 1.5 > 5 }

    /// The `n` of Price Wars payloads (objects in the ack's history, JSON strings live).
    func numbers(_ payloads: [Any]) -> [Int] {
        payloads.compactMap { RealtimeTestClient.record($0)?["value"] as? [String: Any] }.compactMap { $0["n"] as? Int }
    }

    @Test func filteredSubscribersGetOnlyWhatPassesInHistoryAndLive() async throws {
        try producer.createTopics(["orders"])
        let ingestd = try IngestdProcess(broker: broker, group: "filters", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        for n in 0..<20 { try producer.send(topic: "orders", value: Array(record(n).utf8), timestamp: 1000 + Int64(n)) }
        try producer.flush()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "filters")
        try await realtimed.waitUntilReady()
        let seen = await eventually(timeout: 20) {
            guard let body = await realtimed.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["orders"]?["records_seen"] as? Int == 20
        }
        #expect(seen)
        let text = #"value.shop = "s1" and value.price > 5"#
        let json: [String: Any] = ["and": [["field": "value.shop", "op": "=", "value": "s1"],
                                           ["field": "value.price", "op": ">", "value": 5]]]
        let events = ["orders", "sensor_values"]
        let byText = try RealtimeTestClient(.python5, url: realtimed.url, events: events,
                                            actions: [["emit": "subscribe", "args": [["topics": ["orders"], "filter": text]]]])
        let byJSON = try RealtimeTestClient(.javascript, url: realtimed.url, events: events,
                                            actions: [["emit": "subscribe", "args": [["topics": ["orders"], "filter": json]]]])
        let listed = try RealtimeTestClient(.python4, url: realtimed.url, events: events,
                                            actions: [["emit": "subscribe", "args": [["topics": "orders", "filter": "value.n in [2, 21]"]]]])
        let hostile = try RealtimeTestClient(.python5, url: realtimed.url, events: events, actions: [
            ["emit": "subscribe", "args": [["topics": ["orders"], "filter": String(repeating: "not ", count: 50) + "offset = 1"]]]])
        for client in [byText, byJSON, listed, hostile] {
            try await client.waitFor("subscribe ack") { $0.contains { $0.event == "$ack" } }
        }

        // History: what passes among the kept records.
        for client in [byText, byJSON] {
            let ack = try #require(client.observations.first { $0.event == "$ack" }?.payload as? [String: Any])
            #expect(ack["filter"] as? String == text, "\(ack)")
            let state = try #require((ack["state"] as? [String: [String: Any]])?["orders"])
            #expect(numbers(state["history"] as? [Any] ?? []) == (0..<20).filter(passes), "\(client.kind)")
            let latest = try #require(state["sensor_values"] as? [String: Any])
            #expect((latest["data"] as? [String: Any])?["n"] as? Int == (0..<20).filter(passes).last)
        }
        let listedAck = try #require(listed.observations.first { $0.event == "$ack" }?.payload as? [String: Any])
        #expect(numbers(((listedAck["state"] as? [String: [String: Any]])?["orders"]?["history"] as? [Any]) ?? []) == [2])
        let refused = try #require(hostile.observations.first { $0.event == "$ack" }?.payload as? [String: Any])
        #expect((refused["error"] as? String)?.contains("too-deep") == true, "\(refused)")

        // Live: only what passes, each once; the unfiltered client gets everything.
        for n in 20..<40 { try producer.send(topic: "orders", value: Array(record(n).utf8), timestamp: 1000 + Int64(n)) }
        try producer.flush()
        let expected = (20..<40).filter(passes)
        for client in [byText, byJSON] {
            try await client.waitFor("filtered live records") { _ in self.numbers(client.payloads("orders")) == expected }
            let solar = client.payloads("sensor_values").compactMap { (($0 as? [String: Any])?["data"] as? [String: Any])?["n"] as? Int }
            #expect(solar == expected, "\(client.kind)")
        }
        try await listed.waitFor("one live record") { _ in self.numbers(listed.payloads("orders")) == [21] }
        try await hostile.waitFor("every live record") { _ in self.numbers(hostile.payloads("orders")).count == 20 }
        #expect(realtimed.process.isRunning)
    }
}
