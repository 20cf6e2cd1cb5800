import Foundation
import Kafka
import Testing
import TestSupport

/// The Price Wars proxy's realtime wire behaviour with default settings (issue 10), against a
/// real broker, ingestd and realtimed, with clients written as the originals' users wrote them.
@Suite(.serialized) struct RealtimeFidelityTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// What a one-argument-handler client printed: event name, Python type, argument.
    struct Received: @unchecked Sendable {
        let event: String
        let type: String
        let data: Any?
    }

    static func received(_ client: ChildProcess) -> [Received] {
        client.output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{"), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let event = object["event"] as? String else { return nil }
            return Received(event: event, type: object["type"] as? String ?? "", data: object["data"])
        }
    }

    static func onePriceWarsClient(_ python: String, url: String, events: [String]) throws -> ChildProcess {
        let script = RealtimeTestClient.clients.appendingPathComponent("pricewars_client.py").path
        return try ChildProcess(python, ["-u", script, url, events.joined(separator: ",")], label: "pricewars-client")
    }

    @Test func priceWarsClientsWithOneArgumentHandlersGetTheOriginalsEvents() async throws {
        try producer.createTopics(["buyOffer", "stcs.weather"])
        let ingestd = try IngestdProcess(broker: broker, group: "fidelity")
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "fidelity")
        try await realtimed.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)
        for n in 0..<3 {
            try producer.send(topic: "buyOffer", value: Array(#"{"n":\#(n),"http_code":200}"#.utf8), timestamp: 1000 + Int64(n))
        }
        try producer.flush()
        let synced = await eventually(timeout: 20) {
            guard let body = await realtimed.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["buyOffer"]?["records_seen"] as? Int == 3
        }
        #expect(synced)

        // /status: the original's fields beside ours, the original's topics before any record.
        let response = try #require(await realtimed.get("/status"))
        let status = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: [String: Any]])
        #expect(status["buyOffer"]?["messages"] as? Int == 3)
        let lastMessage = try #require(status["buyOffer"]?["last_message"] as? [String: Any])
        #expect(lastMessage["topic"] as? String == "buyOffer" && lastMessage["timestamp"] as? Int == 1002)
        #expect((lastMessage["value"] as? [String: Any])?["n"] as? Int == 2)
        #expect(status["buyOffer"]?["records_seen"] as? Int == 3)
        #expect(status["profit"]?["messages"] as? Int == 0 && status["profit"]?["last_message"] as? String == "")

        let original = ["addOffer", "buyOffer", "profit", "updateOffer", "updates", "salesPerMinutes",
                        "cumulativeAmountBasedMarketshare", "cumulativeRevenueBasedMarketshare", "marketSituation",
                        "revenuePerMinute", "revenuePerHour", "profitPerMinute"]
        let clients = [try Self.onePriceWarsClient(try TestEnvironment.require(TestEnvironment.python), url: realtimed.url,
                                                    events: original + ["connected_clients"]),
                       try Self.onePriceWarsClient(try TestEnvironment.require(TestEnvironment.pythonEIO3), url: realtimed.url,
                                                   events: original + ["connected_clients"])]
        for client in clients {
            // One history event for every topic of the original, [] where there is no record yet.
            let historyArrived = await eventually(timeout: 15) {
                Set(Self.received(client).map(\.event)).isSuperset(of: original)
            }
            #expect(historyArrived, "\(client.output.suffix(3000))")
            let received = Self.received(client)
            for topic in original where topic != "buyOffer" {
                let history = received.first { $0.event == topic }
                #expect(history?.type == "list" && (history?.data as? [Any])?.isEmpty == true, "\(topic): \(String(describing: history?.data))")
            }
            let history = try #require(received.first { $0.event == "buyOffer" }?.data as? [[String: Any]])
            #expect(history.compactMap { ($0["value"] as? [String: Any])?["n"] as? Int } == [0, 1, 2])
            #expect(received.contains { $0.event == "connected_clients" && $0.data as? Int != nil })
        }

        // A live record: one argument, a JSON string of {topic, timestamp, value}.
        try producer.send(topic: "buyOffer", value: Array(#"{"n":3,"http_code":200}"#.utf8), timestamp: 1003)
        try producer.flush()
        for client in clients {
            let live = await eventually(timeout: 15) { Self.received(client).filter { $0.event == "buyOffer" }.count >= 2 }
            #expect(live, "\(client.output.suffix(3000))")
            let event = try #require(Self.received(client).filter { $0.event == "buyOffer" }.dropFirst().first)
            #expect(event.type == "str", "\(event.type)")
            let text = try #require(event.data as? String)
            let record = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(record["topic"] as? String == "buyOffer" && record["timestamp"] as? Int == 1003)
            #expect((record["value"] as? [String: Any])?["n"] as? Int == 3)
            #expect(!client.output.contains("TypeError"), "\(client.output.suffix(3000))")
        }
        #expect(realtimed.process.isRunning)
    }

    @Test func familiesAreScopedByTopicRegexAndPingsAreSettings() async throws {
        try producer.createTopics(["buyOffer", "stcs.weather"])
        let ingestd = try IngestdProcess(broker: broker, group: "scoped")
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "scoped", environment: [
            "PRICEWARS_TOPICS_REGEX": "Offer$", "SOLAR_TOPICS_REGEX": "weather", "PRICEWARS_LIVE_OBJECTS": "true",
            "PING_INTERVAL_MS": "5000", "PING_TIMEOUT_MS": "10000",
        ])
        try await realtimed.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)

        // The solar gateway's ping settings reach the handshake.
        let handshake = try #require(await realtimed.get("/socket.io/?EIO=4&transport=polling"))
        let text = String(decoding: handshake.body, as: UTF8.self)
        #expect(text.contains(#""pingInterval":5000"#) && text.contains(#""pingTimeout":10000"#), "\(text)")

        let client = try RealtimeTestClient(.python5, url: realtimed.url,
                                            events: ["sensor_values", "buyOffer", "stcs.weather"])
        try await client.waitUntilConnected()
        try producer.send(topic: "buyOffer", value: Array(#"{"n":1}"#.utf8), timestamp: 1000)
        try producer.send(topic: "stcs.weather", value: Array(#"{"timestamp":1.5,"data":{"t":20}}"#.utf8), timestamp: 1000)
        try producer.flush()
        let observations = try await client.waitFor("both records") { observations in
            observations.contains { $0.event == "sensor_values" } && observations.filter { $0.event == "buyOffer" }.count >= 2
        }
        // Solar only for weather, Price Wars only for *Offer; live objects with PRICEWARS_LIVE_OBJECTS.
        let sensorTopics = observations.filter { $0.event == "sensor_values" }.compactMap { ($0.payload as? [String: Any])?["topic"] as? String }
        #expect(sensorTopics == ["stcs.weather"])
        #expect(!observations.contains { $0.event == "stcs.weather" })
        let live = observations.filter { $0.event == "buyOffer" }.last?.payload as? [String: Any]
        #expect((live?["value"] as? [String: Any])?["n"] as? Int == 1)
    }
}
