@testable import ExportService
import Bus
import Foundation
import Kafka
import Logging
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

    /// A topic deleted and created again while exportd was down: its journal holds offsets the
    /// new partition does not reach. The REPLAY says so (a rewound GAP), exportd rewinds the
    /// partition and stores the new records beside the old rows, once, also after a restart.
    @Test func aRecreatedTopicsNewRecordsAreStored() async throws {
        // librdkafka's mock cluster answers a fetch past a partition's end with OFFSET_OUT_OF_RANGE,
        // as Kafka does (Tansu answers with nothing).
        let cluster = try KafkaMockCluster(brokers: 1)
        try cluster.createTopic("buyOffer", partitions: 1)
        let producer = try KafkaProducer(bootstrapServers: cluster.bootstrapServers, properties: ["linger.ms": "1"])
        for n in 0..<10 { try producer.send(topic: "buyOffer", value: Array(#"{"new":\#(n)}"#.utf8), partition: 0) }
        try producer.flush()
        // What exportd stored of the topic before it was deleted: offsets 500...504.
        let data = try ExportFixtures.temporaryDirectory()
        do {
            let store = try ExportStore(directory: data, topics: ["buyOffer"], maxRows: 100, logger: Logger(label: "seed"))
            _ = try store.store((500..<505).map { ExportFixtures.record("buyOffer", Int64($0), #"{"old":\#($0)}"#) })
        }
        let ingestd = try IngestdProcess(bootstrapServers: cluster.bootstrapServers, group: "export-rewind",
                                         environment: ["ALLOWED_TOPICS_REGEX": "^buyOffer$"])
        try await ingestd.waitUntilReady()
        for round in 0..<2 {
            let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: data, environment: ["MERCHANT_TOPICS": "buyOffer"])
            try await exportd.waitUntilReady()
            if round == 0 {
                let reported = await eventually(timeout: 30, interval: 0.1) {
                    await exportd.metric("export_replay_gaps_total{kind=\"rewound\"}") == 1
                }
                #expect(reported, "\(exportd.process.output.suffix(3000))")
            }
            let lines = await eventually(timeout: 30, interval: 0.1) {
                (await exportd.text("/export/data/buyOffer.csv")?.body.csvLines.count ?? 0) == 1 + 5 + 10
            }
            let body = await exportd.text("/export/data/buyOffer.csv")?.body ?? ""
            #expect(lines, "round \(round): \(body)\n\(exportd.process.output.suffix(3000))")
            #expect(body.csvLines.filter { $0.hasPrefix(",") || $0.first?.isNumber == true }.count == 15)
        }
    }

    /// A topic deleted and created again while ingestd and exportd both run: ingestd's position
    /// (the old log's end, here the group's committed offset) is past the new log's end. ingestd
    /// reads the partition again from its start and moves to a new epoch; exportd resynchronises,
    /// its replay's rewound GAP rewinds the partition, and the new records are stored beside the
    /// old rows instead of being skipped as offsets already stored (issue 12).
    @Test func aTopicRecreatedWhileEveryoneRunsIsStoredAgain() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let data = try ExportFixtures.temporaryDirectory()
        do {
            let store = try ExportStore(directory: data, topics: ["buyOffer"], maxRows: 100, logger: Logger(label: "seed"))
            _ = try store.store((500..<505).map { ExportFixtures.record("buyOffer", Int64($0), #"{"old":\#($0)}"#) })
        }
        let ingestd = try IngestdProcess(bootstrapServers: cluster.bootstrapServers, group: "export-live-rewind",
                                         environment: ["ALLOWED_TOPICS_REGEX": "^buyOffer$"])
        try await ingestd.waitUntilReady()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: data, environment: ["MERCHANT_TOPICS": "buyOffer"])
        try await exportd.waitUntilReady()

        // The topic comes back while both run. ingestd is paused meanwhile so that it finds the
        // partition only once the group's offset (the old log's end) is committed.
        ingestd.process.send(SIGSTOP)
        defer { ingestd.process.send(SIGCONT) }
        try cluster.createTopic("buyOffer", partitions: 1)
        let producer = try KafkaProducer(bootstrapServers: cluster.bootstrapServers, properties: ["linger.ms": "1"])
        for n in 0..<10 { try producer.send(topic: "buyOffer", value: Array(#"{"new":\#(n)}"#.utf8), partition: 0) }
        try producer.flush()
        let committer = try KafkaConsumer(configuration: .init(bootstrapServers: cluster.bootstrapServers,
                                                               groupID: "export-live-rewind"),
                                          logger: Logger(label: "committer"))
        try committer.commit([KafkaTopicPartition(topic: "buyOffer", partition: 0, offset: 505)])
        committer.abandon()
        ingestd.process.send(SIGCONT)

        let rewound = await eventually(timeout: 30, interval: 0.1) {
            await exportd.metric("export_replay_gaps_total{kind=\"rewound\"}") == 1
        }
        #expect(rewound, "\(ingestd.process.output.suffix(3000))\n\(exportd.process.output.suffix(3000))")
        #expect(await ingestd.metric("ingest_position_gaps_total{kind=\"rewound\"}") == 1)
        let lines = await eventually(timeout: 30, interval: 0.1) {
            (await exportd.text("/export/data/buyOffer.csv")?.body.csvLines.count ?? 0) == 1 + 5 + 10
        }
        let body = await exportd.text("/export/data/buyOffer.csv")?.body ?? ""
        #expect(lines, "\(body)\n\(exportd.process.output.suffix(3000))")
        // Once each: more records later are live again, not replayed twice.
        for n in 10..<13 { try producer.send(topic: "buyOffer", value: Array(#"{"new":\#(n)}"#.utf8), partition: 0) }
        try producer.flush()
        let more = await eventually(timeout: 30, interval: 0.1) {
            (await exportd.text("/export/data/buyOffer.csv")?.body.csvLines.count ?? 0) == 1 + 5 + 13
        }
        #expect(more)
        try await Task.sleep(for: .milliseconds(500))
        #expect(await exportd.text("/export/data/buyOffer.csv")?.body.csvLines.count == 1 + 5 + 13)
    }
}
