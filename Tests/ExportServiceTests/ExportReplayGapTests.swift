import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 12: records deleted from Kafka (retention) before exportd stored them are not silently
/// skipped: the replay's GAP shows in `/health` (`replayGaps`) and in the metrics, and everything
/// Kafka still holds is stored once. The mock cluster keeps about 5 MB per partition, so 300
/// records of 100 KB push its log start past offset 200 before exportd first asks.
@Suite(.serialized) struct ExportReplayGapTests {
    @Test func recordsDeletedBeforeExportdStoredThemAreReported() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("buyOffer", partitions: 1)
        let producer = try KafkaProducer(bootstrapServers: cluster.bootstrapServers, properties: ["linger.ms": "1"])
        let padding = String(repeating: "x", count: 100_000)
        let total = 300
        for n in 0..<total {
            try producer.send(topic: "buyOffer", value: Array(#"{"n":\#(n),"pad":"\#(padding)"}"#.utf8), partition: 0)
            if n % 20 == 19 { try producer.flush() }
        }
        try producer.flush()
        let ingestd = try IngestdProcess(bootstrapServers: cluster.bootstrapServers, group: "export-gap",
                                         environment: ["ALLOWED_TOPICS_REGEX": "^buyOffer$"])
        try await ingestd.waitUntilReady()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: try ExportFixtures.temporaryDirectory(),
                                         environment: ["MERCHANT_TOPICS": "buyOffer"])
        try await exportd.waitUntilReady()

        let reported = await eventually(timeout: 30, interval: 0.1) {
            await exportd.metric("export_replay_gaps_total{kind=\"deleted\"}") == 1
        }
        #expect(reported, "\(exportd.process.output.suffix(3000))")
        let lost = Int(try #require(await exportd.metric("export_replay_lost_offsets_total")))
        #expect(lost > 200 && lost < total)
        let stored = await eventually(timeout: 30, interval: 0.1) {
            Int(await exportd.metric("export_records_stored_total") ?? 0) >= total - lost
        }
        #expect(stored)
        #expect(Int(await exportd.metric("export_records_stored_total") ?? 0) == total - lost, "every record Kafka holds, once")

        let health = try #require(await exportd.get("/health"))
        #expect(health.status == 200)
        let body = try #require(try JSONSerialization.jsonObject(with: health.body) as? [String: String])
        #expect(body["replayGaps"] == "buyOffer[0]: offsets 0..<\(lost) were deleted from Kafka", "\(body)")
        #expect(exportd.process.output.contains("records deleted from Kafka before this export stored them"))
    }
}
