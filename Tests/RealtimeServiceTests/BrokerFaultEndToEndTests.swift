import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 12: broker faults (leader changes, failed fetches, a broker restart) while records flow,
/// counted where users see them: every record reaches a Socket.IO client once and the export
/// once, in Kafka's order per partition. librdkafka's mock cluster makes the faults real
/// protocol events.
@Suite(.serialized) struct BrokerFaultEndToEndTests {
    @Test func leaderChangesAndABrokerRestartLoseAndDuplicateNothingAtTheClientAndInTheExport() async throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        try MockClusterFaultDrill.prepare(cluster, topic: "buyOffer")
        let producer = try KafkaProducer(bootstrapServers: cluster.bootstrapServers, properties: ["linger.ms": "1"])
        let ingestd = try IngestdProcess(bootstrapServers: cluster.bootstrapServers, group: "faults-e2e",
                                         environment: ["KAFKA_PROPERTY_LOG__LEVEL": "4"])
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "faults-e2e")
        try await realtimed.waitUntilReady()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("faults-e2e-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: data)
        try await exportd.waitUntilReady()
        try await ingestd.waitForBusSubscribers(2)
        let client = try RealtimeTestClient(.python5, url: realtimed.url, events: ["buyOffer"])
        try await client.waitUntilConnected()

        let produced = try MockClusterFaultDrill.run(cluster, producer: producer, topic: "buyOffer")
        let expected = Set(0..<produced)

        // At the client: live Price Wars events, each record once.
        func received() -> [Int] {
            client.payloads("buyOffer").compactMap { payload -> Int? in
                guard let record = RealtimeTestClient.record(payload), let value = record["value"] as? [String: Any] else { return nil }
                return value["n"] as? Int
            }
        }
        let delivered = await eventually(timeout: 60) { Set(received()) == expected }
        #expect(delivered, "client has \(Set(received()).count) of \(produced); ingestd:\n\(ingestd.process.output.suffix(3000))")
        #expect(received().count == produced, "no duplicate at the client")

        // In the export: each record one row.
        func exported() async -> [Int] {
            guard let text = await exportd.text("/export/data/buyOffer.csv")?.body else { return [] }
            return text.split(separator: "\n").dropFirst().compactMap { Int($0.split(separator: ",").first ?? "") }
        }
        let stored = await eventually(timeout: 30) { Set(await exported()) == expected }
        let rows = await exported()
        #expect(stored, "export has \(Set(rows).count) of \(produced); exportd:\n\(exportd.process.output.suffix(3000))")
        #expect(rows.count == produced, "no duplicate in the export")
        #expect(ingestd.process.isRunning && realtimed.process.isRunning && exportd.process.isRunning)
    }
}
