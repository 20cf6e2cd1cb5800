import Avro
import Bus
import Foundation
import Kafka
import RecordDecoding
import Testing
import TestSupport
@testable import IngestService

/// The consumer thread decodes small polls itself only when that cannot block: a record whose
/// registry schema is not loaded yet is left to a decode thread.
@Suite struct IngestMessageDecoderTests {
    @Test func decodingWithoutLoadingNeverAsksTheRegistry() async throws {
        let schema = try String(contentsOf: TestEnvironment.fixture("kafka.timestamp-data.avsc"), encoding: .utf8)
        let registry = try await FakeSchemaRegistry.start(schemas: [7: schema])
        let decoder = IngestMessageDecoder(decoder: try RecordDecoder(
            rules: try TopicFormatRules(topicFormats: ".*=registry"), schemaRegistryURL: registry.url))
        let datum = try AvroEncoder(schema: try AvroSchema(json: schema))
            .encode(.record([("timestamp", .double(3.25)), ("data", .map([(key: "x", value: .union(branch: 4, .int(9)))]))]))
        let batch = KafkaMessageBatch(copying: [
            KafkaMessage(topic: "framed", partition: 0, offset: 0, timestamp: 1, key: nil, value: [0, 0, 0, 0, 7] + datum),
        ])

        #expect(decoder.decodeWithoutLoading(batch, 0..<1) == nil, "schema 7 is not loaded yet")
        #expect(try await registry.requestCounts()["/schemas/ids/7"] == nil, "and nobody asked for it")

        let loaded = try await DedicatedThread.run(name: "decode-test") { decoder.decode(batch, 0..<1) }  // blocks: not on the pool
        #expect(loaded.map(\.offset) == [0])
        #expect(try await registry.requestCounts()["/schemas/ids/7"] == 1)

        let again = try #require(decoder.decodeWithoutLoading(batch, 0..<1), "loaded now: no wait")
        guard case .record(let record) = again.first else {
            Issue.record("not decoded: \(again)")
            return
        }
        #expect(record.value == Array("{\"timestamp\":3.25,\"data\":{\"x\":9}}".utf8))
        #expect(try await registry.requestCounts()["/schemas/ids/7"] == 1)
    }
}
