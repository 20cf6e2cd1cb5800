import Bus
import Foundation
import Testing
import TestSupport

/// Issue 10, solar gateway: with the seed's settings only (no TOPIC_FORMATS, no KAFKA_SCHEMA),
/// raw Avro DataRecords as pykafka-tools wrote them are decoded; JSON stays JSON.
extension IngestIntegrationTests {
    /// Writes records as the solar gateway's producers did: pykafka-tools' `AvroCoding.encode`
    /// is a bare `avro.io.DatumWriter` datum (no container header, no registry framing), which
    /// `fastavro.schemaless_writer` writes byte for byte; then a JSON record and a text record.
    static let seedStyleProducer = #"""
        import io, json, sys
        import fastavro
        from confluent_kafka import Producer
        bootstrap, schema_path, topic = sys.argv[1:4]
        schema = fastavro.parse_schema(json.load(open(schema_path)))
        def datum(record):
            out = io.BytesIO()
            fastavro.schemaless_writer(out, schema, record)
            return out.getvalue()
        p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
        p.produce(topic, datum({"timestamp": 1500000000.5, "data": {"collector_temp": 61.25, "pump": True, "state": "on", "count": 7}}))
        p.produce(topic, b'{"timestamp": 2.0, "data": {"json": 1}}')
        p.produce(topic, b"plain text")
        p.produce(topic, datum({"timestamp": 3.0, "data": {}}) + b"\x00")
        if p.flush(10) != 0:
            sys.exit("not delivered")
        """#

    @Test func seedStyleAvroDataRecordsDecodeWithNoSchemaSettings() async throws {
        try producer.createTopics(["stcs.solar.collector", "stcs.other"])
        // The seed's ALLOWED_TOPIC_REGEX, searched anywhere in the name as Python's re.search.
        let ingestd = try IngestdProcess(broker: broker, group: "solar", environment: ["ALLOWED_TOPIC_REGEX": "collector$"])
        try await ingestd.waitUntilReady()
        let tap = try BusTap(endpoint: ingestd.publishEndpoint, context: context)
        try await ingestd.waitForBusSubscribers(1)
        try producer.send(topic: "stcs.other", value: Array("{\"x\":1}".utf8))
        try producer.flush()

        let python = try TestEnvironment.require(TestEnvironment.python)
        let writer = try ChildProcess(python, ["-c", Self.seedStyleProducer, broker.bootstrapServers, Self.schemaPath,
                                               "stcs.solar.collector"], label: "seed-producer")
        #expect(writer.waitForExit(timeout: 30) == 0, "producer:\n\(writer.output)")

        let records = try await tap.collect { $0.count >= 4 }
        #expect(records.allSatisfy { $0.topic == "stcs.solar.collector" }, "\(records.map(\.topic))")
        #expect(records.map(\.offset) == [0, 1, 2, 3])
        let values = records.map { String(decoding: $0.value ?? [], as: UTF8.self) }
        #expect(values.count == 4)
        guard values.count == 4 else { return }
        // Python's Avro writers take the first union branch that accepts the value: 7 is a float.
        #expect(values[0] == #"{"timestamp":1500000000.5,"data":{"collector_temp":61.25,"pump":true,"state":"on","count":7.0}}"#)
        #expect(values[1] == #"{"timestamp": 2.0, "data": {"json": 1}}"#)
        #expect(values[2] == #""plain text""#)
        // One byte more than a datum is not a DataRecord: base64 of the bytes, as before.
        #expect(values[3].hasPrefix("\"") && !values[3].contains("timestamp"))
    }
}
