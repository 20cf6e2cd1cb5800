import Bus
import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 12: topics that appear while ingestd runs lose nothing.
extension IngestIntegrationTests {
    @Test func aTopicCreatedWhileRunningIsPublishedFromItsFirstRecordExactlyOnce() async throws {
        try producer.createTopics(["early"])
        // The default refresh interval, so the first record is written before ingestd notices
        // the topic (the window the issue measured).
        let ingestd = try IngestdProcess(broker: broker, group: "late", environment: ["TOPIC_REFRESH_INTERVAL_MS": "2000"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)

        try producer.createTopics(["late.topic"], partitions: 4)
        try producer.send(topic: "late.topic", value: Array("{\"n\":0}".utf8), partition: 3)
        try producer.flush()
        let noticed = await eventually(timeout: 20, interval: 0.05) {
            await ingestd.get("/health")?.body.contains("\"assignedPartitions\":\"5\"") == true
        }
        #expect(noticed, "ingestd log:\n\(ingestd.process.output.suffix(3000))")
        let total = 21
        for n in 1..<total {
            try producer.send(topic: "late.topic", value: Array("{\"n\":\(n)}".utf8), partition: Int32(n % 4))
        }
        try producer.flush()

        let records = try await tap.collect(timeout: 20) { records in
            Set(records.filter { $0.topic == "late.topic" }.compactMap(\.value)).count >= total
        }.filter { $0.topic == "late.topic" }
        let values = records.compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
        #expect(Set(values) == Set((0..<total).map { "{\"n\":\($0)}" }), "ingestd log:\n\(ingestd.process.output.suffix(3000))")
        #expect(records.count == total, "duplicates: \(values.sorted())")
        #expect(records.contains { $0.partition == 3 && $0.offset == 0 })
        // Each partition in offset order, from offset 0.
        for partition in Int32(0)..<4 {
            let offsets = records.filter { $0.partition == partition }.map(\.offset)
            #expect(offsets == Array(0..<Int64(offsets.count)))
        }
        let published = await eventually(timeout: 5) {
            await ingestd.metric("ingest_records_published_total{topic=\"late.topic\"}") == Double(total)
        }
        #expect(published)
    }
}
