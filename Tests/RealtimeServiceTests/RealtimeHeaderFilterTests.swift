import Foundation
import Kafka
import Testing
import TestSupport

/// `header.<name>` filters in realtimed, end to end (Tansu, ingestd, realtimed, a Socket.IO
/// client): the subscription's history and live records, and the records a dropped client
/// recovers, are the ones whose Kafka header passes.
@Suite(.serialized) struct RealtimeHeaderFilterTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// Even `n` carry `keep: yes`, odd ones `keep: no` (and `n` 3 also a later `keep: yes`,
    /// which counts: the last header of a name wins).
    func produce(_ numbers: Range<Int>, topic: String) throws {
        for n in numbers {
            var headers = [KafkaHeader(name: "keep", value: Array((n % 2 == 0 ? "yes" : "no").utf8))]
            if n == 3 { headers.append(KafkaHeader(name: "keep", value: Array("yes".utf8))) }
            try producer.send(topic: topic, value: Array(#"{"n":\#(n)}"#.utf8), timestamp: 1000, headers: headers)
        }
        try producer.flush()
    }

    /// The `n` of the records of `event` after the subscribe ack.
    static func numbers(_ observations: [RealtimeTestClient.Observation], _ event: String) -> [Int] {
        observations.drop { $0.event != "$ack" }.filter { $0.event == event }
            .compactMap { (RealtimeTestClient.record($0.payload)?["value"] as? [String: Any])?["n"] as? Int }
    }

    @Test func historyLiveAndRecoveryFollowAHeaderFilter() async throws {
        try producer.createTopics(["hdr.recover"])
        let ingestd = try IngestdProcess(broker: broker, group: "hdr-recover", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        let replica = try RealtimedProcess(ingestd: [ingestd], replica: "r", environment: ["RECOVERY_SECONDS": "120"])
        try await replica.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)
        try produce(0..<4, topic: "hdr.recover")
        #expect(await eventually(timeout: 20) {
            guard let body = await replica.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["hdr.recover"]?["records_seen"] as? Int == 4
        })
        // Subscribes with a header filter, then drops; records sent meanwhile are recovered.
        let client = try RealtimeTestClient(.javascript, url: replica.url, events: ["hdr.recover"], actions: [
            ["emit": "subscribe", "args": [["topics": ["hdr.recover"], "filter": #"header.keep = "yes""#]]], ["emit": "$drop", "args": []]])
        let acked = try await client.waitFor("the ack and the drop") { observations in
            observations.contains { $0.event == "$ack" } && observations.contains { $0.event == "$disconnected" }
        }
        let ack = try #require(acked.first { $0.event == "$ack" }?.payload as? [String: Any])
        #expect(ack["error"] == nil, "\(ack)")
        let history = ((ack["state"] as? [String: [String: Any]])?["hdr.recover"]?["history"] as? [Any] ?? [])
            .compactMap { (RealtimeTestClient.record($0)?["value"] as? [String: Any])?["n"] as? Int }
        #expect(history == [0, 2, 3], "\(ack)")
        try produce(4..<10, topic: "hdr.recover")
        let observations = try await client.waitFor("the recovered records") { Self.numbers($0, "hdr.recover").contains(8) }
        let reconnect = try #require(observations.last { $0.event == "$connected" })
        #expect(reconnect.raw["recovered"] as? Bool == true, "\(client.process.output)")
        try await Task.sleep(for: .milliseconds(300))  // let any stray record show up
        #expect(Self.numbers(client.observations, "hdr.recover") == [4, 6, 8], "\(client.process.output)")
    }
}
