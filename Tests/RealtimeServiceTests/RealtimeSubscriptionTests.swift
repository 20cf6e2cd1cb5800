import Foundation
import Kafka
import Testing
import TestSupport

/// subscribe/unsubscribe and the HTTP routes beside Socket.IO, against a real ingestd.
@Suite(.serialized) struct RealtimeSubscriptionTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// The observations after the client's `n`-th ack.
    func afterAck(_ observations: [RealtimeTestClient.Observation], _ n: Int) -> ArraySlice<RealtimeTestClient.Observation> {
        let acks = observations.indices.filter { observations[$0].event == "$ack" }
        guard acks.count >= n else { return [] }
        return observations[(acks[n - 1] + 1)...]
    }

    @Test func subscribersGetOnlyTheirTopicsAndAnAckWithState() async throws {
        try producer.createTopics(["buyOffer", "buyOffer.errors", "marketSituation"])
        let ingestd = try IngestdProcess(broker: broker, group: "subscribe")
        try await ingestd.waitUntilReady()
        for topic in ["buyOffer", "buyOffer.errors", "marketSituation"] {
            try producer.send(topic: topic, value: Array(#"{"seed":"\#(topic)"}"#.utf8), timestamp: 1000)
        }
        try producer.flush()
        let replica = try RealtimedProcess(ingestd: [ingestd], replica: "s")
        try await replica.waitUntilReady()
        let ready = await eventually(timeout: 20) {
            guard let body = await replica.get("/topics")?.body else { return false }
            return (try? JSONSerialization.jsonObject(with: body) as? [String]) == ["buyOffer", "buyOffer.errors", "marketSituation"]
        }
        #expect(ready, "topics: \(replica.process.output.suffix(2000))")
        let events = ["sensor_values", "sensor_values_cache", "buyOffer", "buyOffer.errors", "marketSituation"]
        let pattern = try RealtimeTestClient(.python4, url: replica.url, events: events,
                                             actions: [["emit": "subscribe", "args": [["buyOffer*"]]]])
        let narrowed = try RealtimeTestClient(.javascript, url: replica.url, events: events, actions: [
            ["emit": "subscribe", "args": [["topics": ["buyOffer", "marketSituation"]]]],
            ["emit": "unsubscribe", "args": ["market*"]],
        ])
        let everything = try RealtimeTestClient(.python5, url: replica.url, events: events)
        let invalid = try RealtimeTestClient(.python4, url: replica.url, events: events,
                                             actions: [["emit": "subscribe", "args": [42]]])
        try await pattern.waitFor("subscribe ack") { $0.contains { $0.event == "$ack" } }
        try await narrowed.waitFor("two acks") { $0.filter { $0.event == "$ack" }.count == 2 }
        try await everything.waitUntilConnected()
        try await invalid.waitFor("error ack") { $0.contains { $0.event == "$ack" } }

        // The ack names the topics followed and their state.
        let ack = try #require(pattern.observations.first { $0.event == "$ack" }?.payload as? [String: Any])
        #expect(ack["topics"] as? [String] == ["buyOffer", "buyOffer.errors"])
        #expect(ack["patterns"] as? [String] == ["buyOffer*"])
        let state = try #require(ack["state"] as? [String: [String: Any]])
        #expect(Set(state.keys) == ["buyOffer", "buyOffer.errors"])
        let history = try #require(state["buyOffer"]?["history"] as? [[String: Any]])
        #expect(history.count == 1 && (history.first?["value"] as? [String: String]) == ["seed": "buyOffer"])
        #expect((state["buyOffer"]?["sensor_values"] as? [String: Any])?["topic"] as? String == "buyOffer")
        let unsubscribed = try #require(narrowed.observations.last { $0.event == "$ack" }?.payload as? [String: Any])
        #expect(unsubscribed["topics"] as? [String] == ["buyOffer"])
        let error = try #require(invalid.observations.first { $0.event == "$ack" }?.payload as? [String: Any])
        #expect((error["error"] as? String)?.isEmpty == false)

        for topic in ["marketSituation", "buyOffer.errors", "buyOffer"] {
            try producer.send(topic: topic, value: Array(#"{"live":"\#(topic)"}"#.utf8), timestamp: 2000)
        }
        try producer.flush()
        try await everything.waitFor("three live records") {
            $0.filter { $0.event == "sensor_values" }.count == 3
        }
        try await pattern.waitFor("two live records") { self.afterAck($0, 1).filter { $0.event == "sensor_values" }.count == 2 }
        try await narrowed.waitFor("one live record") { self.afterAck($0, 2).contains { $0.event == "buyOffer" } }
        try await invalid.waitFor("three live records") { $0.filter { $0.event == "sensor_values" }.count == 3 }

        let patternTopics = afterAck(pattern.observations, 1).filter { $0.event == "sensor_values" }
            .compactMap { ($0.payload as? [String: Any])?["topic"] as? String }
        #expect(patternTopics.sorted() == ["buyOffer", "buyOffer.errors"])
        let narrowedEvents = afterAck(narrowed.observations, 2).map(\.event).filter { $0 != "connected_clients" }
        #expect(narrowedEvents.sorted() == ["buyOffer", "sensor_values"], "\(narrowedEvents)")
        #expect(everything.payloads("marketSituation").count == 2)  // history, then the live record

        // A topic created later is followed by a matching pattern.
        try producer.createTopics(["buyOffer.late"])
        let producer = self.producer
        try await pattern.waitFor("the new topic", timeout: 30) { observations in
            try? producer.send(topic: "buyOffer.late", value: Array(#"{"late":true}"#.utf8))
            try? producer.flush()
            return observations.contains { ($0.payload as? [String: Any])?["topic"] as? String == "buyOffer.late" }
        }
    }

    @Test func droppedClientRecoversTheEventsItMissed() async throws {
        try producer.createTopics(["recover", "ignored"])
        let ingestd = try IngestdProcess(broker: broker, group: "recover")
        try await ingestd.waitUntilReady()
        let replica = try RealtimedProcess(ingestd: [ingestd], replica: "r", environment: ["RECOVERY_SECONDS": "120"])
        try await replica.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)
        try producer.send(topic: "recover", value: Array(#"{"n":-1}"#.utf8), timestamp: 1000)
        try producer.flush()
        #expect(await eventually(timeout: 20) {
            guard let body = await replica.get("/topics")?.body else { return false }
            return (try? JSONSerialization.jsonObject(with: body) as? [String]) == ["recover"]
        })
        // It subscribes to one topic, then drops: the recovered session keeps the subscription.
        let client = try RealtimeTestClient(.javascript, url: replica.url, events: [], actions: [
            ["emit": "subscribe", "args": ["recover"]], ["emit": "$drop", "args": []]])
        try await client.waitFor("the drop") { $0.contains { $0.event == "$disconnected" } }
        for n in 0..<5 {
            try producer.send(topic: "ignored", value: Array(#"{"n":\#(n)}"#.utf8), timestamp: 1000)
            try producer.send(topic: "recover", value: Array(#"{"n":\#(n)}"#.utf8), timestamp: 1000)
        }
        try producer.flush()
        let observations = try await client.waitFor("five records after recovery") { observations in
            observations.filter { $0.event == "recover" }.count >= 6  // the history, then five live records
        }
        let reconnect = try #require(observations.last { $0.event == "$connected" })
        #expect(reconnect.raw["recovered"] as? Bool == true, "\(client.process.output)")
        let numbers = observations.filter { $0.event == "recover" }.dropFirst()
            .compactMap { (RealtimeTestClient.record($0.payload)?["value"] as? [String: Any])?["n"] as? Int }
        #expect(numbers == [0, 1, 2, 3, 4])
        // A recovered client gets no second cache, and only the topic it subscribed to.
        #expect(observations.filter { $0.event == "sensor_values_cache" }.count == 1)
        try await Task.sleep(for: .milliseconds(200))  // let any stray "ignored" event show up
        #expect(!client.observations.contains { $0.event == "ignored" })
        #expect(client.observations.filter { $0.event == "sensor_values" }.count == 5)
    }

    @Test func httpRoutesBesideSocketIO() async throws {
        try producer.createTopics(["status.topic"])
        let ingestd = try IngestdProcess(broker: broker, group: "http")
        try await ingestd.waitUntilReady()
        try producer.send(topic: "status.topic", key: Array(#""k""#.utf8), value: Array(#"{"a":1}"#.utf8), timestamp: 5000)
        try producer.flush()
        let dashboard = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dashboard.appendingPathComponent("css"), withIntermediateDirectories: true)
        try Data("<html>dash</html>".utf8).write(to: dashboard.appendingPathComponent("index.html"))
        try Data("body{}".utf8).write(to: dashboard.appendingPathComponent("css/app.css"))
        try Data("<svg/>".utf8).write(to: dashboard.appendingPathComponent("logo.svg"))
        try Data("secret".utf8).write(to: dashboard.appendingPathComponent(".env"))
        let script = dashboard.appendingPathComponent("client.js")
        try Data("/* io */".utf8).write(to: script)
        let replica = try RealtimedProcess(ingestd: [ingestd], replica: "h", environment: [
            "DASHBOARD_DIR": dashboard.path, "SOCKET_IO_CLIENT_JS": script.path])
        let plain = try RealtimedProcess(ingestd: [ingestd], replica: "p", environment: ["SOCKET_IO_JS": ""])
        try await replica.waitUntilReady()
        try await plain.waitUntilReady()
        let seen = await eventually(timeout: 20) {
            guard let body = await replica.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["status.topic"]?["records_seen"] as? Int == 1
        }
        #expect(seen)
        let statusResponse = try #require(await replica.get("/status"))
        let status = try #require(try JSONSerialization.jsonObject(with: statusResponse.body) as? [String: [String: Any]])
        let last = try #require(status["status.topic"]?["last_record"] as? [String: Any])
        #expect(last["key"] as? String == "k" && (last["value"] as? [String: Int]) == ["a": 1] && last["timestamp"] as? Int == 5000)

        let health = try #require(await replica.get("/health"))
        #expect(health.status == 200 && health.contentType == "application/json")
        let healthBody = try #require(try JSONSerialization.jsonObject(with: health.body) as? [String: Any])
        #expect(healthBody["replica"] as? String == "h")
        let topics = try #require(await replica.get("/topics"))
        #expect(try JSONSerialization.jsonObject(with: topics.body) as? [String] == ["status.topic"])
        let metrics = String(decoding: try #require(await replica.get("/metrics")).body, as: UTF8.self)
        for name in ["realtime_clients", "realtime_events_sent_total", "realtime_slow_clients_dropped_total", "realtime_bus_lag_seconds"] {
            #expect(metrics.contains(name), "\(name) missing from /metrics")
        }

        let index = try #require(await replica.get("/"))
        #expect(index.status == 200 && String(decoding: index.body, as: UTF8.self) == "<html>dash</html>")
        #expect(index.contentType?.hasPrefix("text/html") == true)
        #expect(await replica.get("/css/app.css")?.contentType?.hasPrefix("text/css") == true)
        #expect(await replica.get("/logo.svg")?.contentType == "image/svg+xml")
        let js = try #require(await replica.get("/socket.io.min.js"))
        #expect(js.status == 200 && String(decoding: js.body, as: UTF8.self) == "/* io */")
        #expect(js.contentType?.hasPrefix("text/javascript") == true)
        for path in ["/.env", "/../etc/passwd", "/%2e%2e/etc/passwd", "/css/../../etc/passwd"] {
            let status = await replica.get(path)?.status
            #expect(status == 403 || status == 404, "\(path): \(String(describing: status))")
        }
        #expect(await replica.get("/missing.html")?.status == 404)

        let apiPage = try #require(await plain.get("/"))
        #expect(apiPage.status == 200 && String(decoding: apiPage.body, as: UTF8.self).contains("sensor_values"))
        #expect(await plain.get("/socket.io.min.js")?.status == 404)
    }
}
