import Foundation
import Kafka
import Testing
import TestSupport

/// Issues 10 and 12: with the default `MERCHANT_TOPICS` (the original's twelve) and an ingestd
/// whose regex serves only some of them, exportd says which topics are not served and keeps
/// storing the others (it used to retry the refused replay forever, apply nothing, and stay 503).
@Suite(.serialized) struct ExportUnservedTopicTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    @Test func anUnservedMerchantTopicNeverStallsTheOthers() async throws {
        try producer.createTopics(["buyOffer", "marketSituation"])
        let ingestd = try IngestdProcess(broker: broker, group: "unserved", environment: ["ALLOWED_TOPICS_REGEX": "^buyOffer$"])
        try await ingestd.waitUntilReady()
        // Records before exportd starts (replayed) and after (live).
        let total = 500
        for n in 0..<total / 2 { try producer.send(topic: "buyOffer", value: Array(#"{"n":\#(n)}"#.utf8)) }
        try producer.flush()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: try ExportFixtures.temporaryDirectory())
        try await exportd.waitUntilReady()
        for n in total / 2..<total { try producer.send(topic: "buyOffer", value: Array(#"{"n":\#(n)}"#.utf8)) }
        try producer.send(topic: "marketSituation", value: Array(#"{"offers":[]}"#.utf8))
        try producer.flush()

        let stored = await eventually(timeout: 30, interval: 0.1) {
            Int(await exportd.metric("export_records_stored_total") ?? 0) >= total
        }
        #expect(stored, "\(exportd.process.output.suffix(3000))")
        let csv = try #require(await exportd.get("/export/data/buyOffer.csv"))
        let lines = String(decoding: csv.body, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == total + 1)

        let health = try #require(await exportd.get("/health"))
        #expect(health.status == 200)
        let body = try #require(try JSONSerialization.jsonObject(with: health.body) as? [String: String])
        let unserved = Set((body["unservedTopics"] ?? "").split(separator: ",").map(String.init))
        #expect(unserved.contains("marketSituation") && !unserved.contains("buyOffer"), "\(body)")
        #expect(await exportd.metric("export_unserved_topics") == 11)
        #expect(exportd.process.output.contains("not served"))
    }
}
