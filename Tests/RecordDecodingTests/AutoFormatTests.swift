import Avro
import RecordDecoding
import Testing

/// The `auto` format, the default without TOPIC_FORMATS and KAFKA_SCHEMA (issue 10, solar gateway).
@Suite struct AutoFormatTests {
    let decoder: RecordDecoder

    init() throws {
        decoder = try RecordDecoder(rules: try TopicFormatRules(topicFormats: nil))
    }

    @Test func anExactDataRecordBecomesThatRecord() throws {
        let datum = try dataRecordDatum(timestamp: 1.5, [(key: "t", value: .union(branch: 2, .float(21.5))),
                                                         (key: "s", value: .union(branch: 0, .string("on")))])
        #expect(text(try decoder.decodeValue(datum, topic: "stcs.solar")) == #"{"timestamp":1.5,"data":{"t":21.5,"s":"on"}}"#)
    }

    @Test func jsonStaysJSONAndTextStaysText() throws {
        let json = Array(#"{"timestamp": 2.0, "data": {}}"#.utf8)
        #expect(try decoder.decodeValue(json, topic: "t") == json)
        #expect(text(try decoder.decodeValue(Array("plain text".utf8), topic: "t")) == #""plain text""#)
        #expect(text(try decoder.decodeValue([0xFF, 0xFE, 0x00], topic: "t")) == #""//4A""#)
    }

    @Test func bytesThatDoNotDecodeExactlyAreNotARecord() throws {
        let datum = try dataRecordDatum(timestamp: 3, [])
        // One trailing byte, or one missing: base64 of the bytes, as the json format does.
        let trailing = try #require(text(try decoder.decodeValue(datum + [0], topic: "t")))
        #expect(!trailing.contains("timestamp") && trailing.hasPrefix("\""))
        let truncated = try #require(text(try decoder.decodeValue(Array(datum.dropLast()), topic: "t")))
        #expect(!truncated.contains("timestamp") && truncated.hasPrefix("\""))
    }
}

/// Issue 11: the decoder's per-datum JSON bound applies to every Avro path.
@Suite struct RecordDecoderOutputBoundTests {
    @Test func aDatumOverTheBoundIsADecodeErrorOnAvroAndAutoTopics() throws {
        let entries = (0..<50).map { (key: "sensor-\($0)", value: AvroValue.union(branch: 0, .string("some value \($0)"))) }
        let datum = try dataRecordDatum(timestamp: 1, entries)
        for rules in [try TopicFormatRules(topicFormats: nil), try TopicFormatRules(topicFormats: nil, kafkaSchema: fixtureSchemaPath)] {
            let bounded = try RecordDecoder(rules: rules, maximumAvroOutputBytes: 1024)
            #expect(throws: RecordDecodingError.self) { try bounded.decodeValue(datum, topic: "stcs.x") }
            let roomy = try RecordDecoder(rules: rules, maximumAvroOutputBytes: 1 << 20)
            #expect(text(try roomy.decodeValue(datum, topic: "stcs.x"))?.hasPrefix(#"{"timestamp":1.0"#) == true)
        }
    }
}
