import Avro
import Foundation
import Kafka
import Testing
import TestSupport

/// The dashboard served by the real realtimed, fed by a Tansu broker and a real ingestd, opened
/// in headless Chromium by `scripts/check-dashboard`: live sensor and Price Wars values, their
/// rates and the chart must appear in the page.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RealtimeDashboardTests {
    @Test func dashboardShowsLiveValuesFromKafka() async throws {
        let broker = try TansuBroker()
        let producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        try producer.createTopics(["stcs.weather", "buyOffer"])
        let schemaPath = TestEnvironment.fixture("kafka.timestamp-data.avsc").path
        let ingestd = try IngestdProcess(
            broker: broker, group: "dashboard", environment: ["TOPIC_FORMATS": "^stcs\\.=avro:\(schemaPath);.*=json"])
        try await ingestd.waitUntilReady()
        let client = DashboardCheck.socketIOClientPath
        guard FileManager.default.fileExists(atPath: client) else { throw TestEnvironmentError.missingTool(client) }
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "dashboard", environment: [
            "DASHBOARD_DIR": DashboardCheck.dashboardDirectory.path, "SOCKET_IO_CLIENT_JS": client,
            // buyOffer reaches the page only as Price Wars events (JSON strings by default).
            "SOLAR_TOPICS_REGEX": "^stcs\\.",
        ])
        try await realtimed.waitUntilReady()

        // The page, its script and the Socket.IO client come from realtimed itself.
        #expect(await realtimed.get("/")?.status == 200)
        #expect(await realtimed.get("/socket.io.min.js")?.status == 200)

        // A minute of sensor records, one per 100 ms (the map's values are a union: branch 2 is
        // float), encoded up front: a bad record fails the test here, not silently in the task.
        let encoder = try AvroEncoder(schema: try AvroSchema(contentsOfFile: schemaPath))
        let start = Date().timeIntervalSince1970
        let sensors = try (0..<600).map { index in
            try encoder.encode(.record([
                ("timestamp", .double(start + Double(index) / 10)),
                ("data", .map([(key: "irradiance", value: .union(branch: 2, .float(400 + Float(index % 50))))])),
            ]))
        }
        let producing = Task {
            for (index, sensor) in sensors.enumerated() where !Task.isCancelled {
                let offer = #"{"amount":1,"http_code":200,"price":\#(30 + index % 9),"merchant_id":"m1","uid":\#(index)}"#
                try producer.send(topic: "stcs.weather", value: sensor)
                try producer.send(topic: "buyOffer", value: Array(offer.utf8))
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { producing.cancel() }

        let (status, output) = try await DashboardCheck.run([
            realtimed.url + "/", "--timeout", "60", "--min-count", "5",
            "--topic", "stcs.weather", "--topic", "buyOffer", "--require-chart", "--require-freshness",
        ])
        #expect(status == 0, "\(output)\nrealtimed log:\n\(realtimed.process.output.suffix(2000))")
        #expect(output.contains("irradiance="), "\(output)")
        #expect(output.contains("connected_clients=1"), "\(output)")
        // Freshness (issue 19): each topic's age and ingestd's consumer lag (a count: records keep
        // flowing, so it need not be 0 at the instant it is read).
        #expect(output.contains(#/lag \d+ /#), "\(output)")
        producing.cancel()
        if case .failure(let error) = await producing.result, !(error is CancellationError) {
            Issue.record("producing failed: \(error)")
        }
    }
}
