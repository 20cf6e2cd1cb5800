import Avro
import DemoData
import Foundation
import TestSupport
import Testing

@Suite("Demo stream")
struct DemoStreamTests {
    @Test("sensor records are DataRecords the fixture schema decodes, Price Wars records are JSON")
    func encodings() throws {
        let schema = try AvroSchema(contentsOfFile: TestEnvironment.fixture("kafka.timestamp-data.avsc").path)
        var stream = try DemoStream(schema: schema, dayLength: 600, seed: 9)
        var records: [DemoRecord] = []
        for tick in 0..<20 {
            try stream.tick(at: 1_700_000_000 + Double(tick), into: &records)
        }
        #expect(Set(records.map(\.topic)).isSubset(of: Set(DemoStream.topics)))
        let decoder = AvroJSONDecoder(schema: schema)
        var sensorRecords = 0
        for record in records {
            let json: [UInt8] = record.topic.hasPrefix("stcs.") ? try decoder.json(decoding: record.value) : record.value
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
            if record.topic.hasPrefix("stcs.") {
                sensorRecords += 1
                #expect((object["timestamp"] as? Double ?? 0) >= 1_700_000_000)
                let data = try #require(object["data"] as? [String: Any])
                #expect(!data.isEmpty)
            }
        }
        #expect(sensorRecords == 20 * SolarPlantSimulator.topics.count)
    }

    @Test("a sensor reading encodes each value in its union branch")
    func dataRecordValues() throws {
        let schema = try AvroSchema(contentsOfFile: TestEnvironment.fixture("kafka.timestamp-data.avsc").path)
        let reading = SensorReading(topic: "stcs.test", timestamp: 1.5, values: [
            ("text", .string("ok")), ("temperature", .float(21.25)), ("count", .long(1 << 40)),
            ("level", .int(-3)), ("on", .boolean(true)),
        ])
        let json = try AvroJSONDecoder(schema: schema).json(decoding: try AvroEncoder(schema: schema).encode(reading.dataRecord))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let data = try #require(object["data"] as? [String: Any])
        #expect(object["timestamp"] as? Double == 1.5)
        #expect(data["text"] as? String == "ok")
        #expect(data["temperature"] as? Double == 21.25)
        #expect(data["count"] as? Int == 1 << 40)
        #expect(data["level"] as? Int == -3)
        #expect(data["on"] as? Bool == true)
    }
}
