import Avro
import Foundation
import Kafka
import Testing
import TestSupport

extension IngestIntegrationTests {
    /// Issue 11, against the real process: a 100 KB Avro datum that would expand to gigabytes of
    /// JSON is refused at `AVRO_MAX_JSON_BYTES`, counted as a failed record, and ingestd keeps
    /// answering `/health` fast and publishing the records after it, with bounded memory.
    @Test func anExpandingAvroDatumIsRefusedAndTheRestFlows() async throws {
        let schema = FileManager.default.temporaryDirectory.appendingPathComponent("nested-\(UUID().uuidString).avsc").path
        try #"{"type":"array","items":{"type":"array","items":"null"}}"#.write(toFile: schema, atomically: true, encoding: .utf8)
        try producer.createTopics(["bomb", "steady"])
        let ingestd = try IngestdProcess(broker: broker, group: "avro-bomb", environment: [
            "TOPIC_FORMATS": "^bomb$=avro:\(schema);.*=json"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)

        let bomb = AvroExpandingDatum.nestedNullArrays(outer: 25_000)
        #expect(bomb.count > 99_000 && bomb.count < 110_000)
        let started = Date()
        for _ in 0..<5 { try producer.send(topic: "bomb", value: bomb) }
        try producer.send(topic: "bomb", value: AvroExpandingDatum.nestedNullArrays(outer: 1))  // small: fine
        for n in 0..<50 { try producer.send(topic: "steady", value: Array(#"{"n":\#(n)}"#.utf8)) }
        try producer.flush()

        var slowestHealth = 0.0
        let records = try await tap.collect(timeout: 60) { records in
            records.filter { $0.topic == "steady" }.count >= 50 && records.contains { $0.topic == "bomb" }
        }
        for _ in 0..<5 {
            let probe = Date()
            #expect(await ingestd.get("/health")?.status == 200)
            slowestHealth = max(slowestHealth, Date().timeIntervalSince(probe))
        }
        #expect(slowestHealth < 1)
        #expect(Date().timeIntervalSince(started) < 30, "five bombs cost seconds at most")
        #expect(records.filter { $0.topic == "bomb" }.map(\.offset) == [5], "only the small datum is published")
        #expect(records.filter { $0.topic == "steady" }.count == 50)
        let failed = await eventually(timeout: 5) { await ingestd.metric("ingest_records_failed_total{topic=\"bomb\"}") == 5 }
        #expect(failed)
        let rss = ProcessStats.residentKiB(ingestd.process.process.processIdentifier)
        #expect(rss < 400 * 1024, "ingestd RSS \(rss) KiB")
        #expect(ingestd.process.isRunning)
    }
}
