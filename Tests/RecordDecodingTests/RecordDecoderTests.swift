import JSON
import Avro
import RecordDecoding
import Testing

@Suite struct RecordDecoderTests {
    let decoder: RecordDecoder

    init() throws {
        decoder = try RecordDecoder(rules: try TopicFormatRules(
            topicFormats: #"^stcs\.=avro:\#(fixtureSchemaPath);^raw$=string;.*=json"#))
    }

    @Test func passesValidJSONThroughUnchanged() throws {
        let value = Array(#" {"timestamp": "2018-03-16T10:02:00.000Z", "offers": [1, 2.5]}"#.utf8)
        #expect(try decoder.decodeValue(value, topic: "marketSituation") == value)
        #expect(text(try decoder.decodeValue(Array("42".utf8), topic: "t")) == "42")
    }

    @Test func turnsNonJSONTextIntoAJSONString() throws {
        #expect(text(try decoder.decodeValue(Array("hello \"world\"\n".utf8), topic: "t")) == #""hello \"world\"\n""#)
        #expect(text(try decoder.decodeValue(Array("{broken".utf8), topic: "t")) == #""{broken""#)
        #expect(text(try decoder.decodeValue([], topic: "t")) == #""""#)
    }

    @Test func turnsInvalidUTF8IntoBase64() throws {
        #expect(text(try decoder.decodeValue([0xFF, 0xFE, 0x00], topic: "t")) == #""//4A""#)
    }

    @Test func stringFormatNeverPassesJSONThrough() throws {
        #expect(text(try decoder.decodeValue(Array(#"{"a":1}"#.utf8), topic: "raw")) == #""{\"a\":1}""#)
        #expect(text(try decoder.decodeValue([0xC3, 0x28], topic: "raw")) == #""wyg=""#)
    }

    @Test func decodesAvroTopicsWithTheirSchema() throws {
        let datum = try dataRecordDatum(timestamp: 1.5, [("temp", .union(branch: 2, .float(21.5))),
                                                         ("id", .union(branch: 0, .string("s1")))])
        #expect(text(try decoder.decodeValue(datum, topic: "stcs.sensors")) ==
            #"{"timestamp":1.5,"data":{"temp":21.5,"id":"s1"}}"#)
    }

    @Test func reportsBadAvroAsAnErrorForThatRecord() throws {
        let datum = try dataRecordDatum(timestamp: 1.5, [("id", .union(branch: 0, .string("s1")))])
        #expect {
            try decoder.decodeValue(Array(datum.dropLast(2)), topic: "stcs.sensors")
        } throws: { error in
            guard case RecordDecodingError.avro(let topic, let part, let avroError) = error else { return false }
            return topic == "stcs.sensors" && part == .value && avroError.reason == .truncated
                && "\(error)".contains("stcs.sensors")
        }
        #expect {
            try decoder.decodeValue(datum + [0], topic: "stcs.sensors")
        } throws: { error in
            if case RecordDecodingError.avro(_, _, let avroError) = error {
                return avroError.reason == .trailingBytes(count: 1)
            }
            return false
        }
    }

    @Test func missingKeysAndTombstonesAreNull() throws {
        #expect(try decoder.decodeValue(nil, topic: "stcs.sensors") == nil)
        #expect(try decoder.decodeKey(nil, topic: "t") == nil)
        var buffer: [UInt8] = []
        try decoder.appendValue(nil, topic: "stcs.sensors", to: &buffer)
        try decoder.appendKey(nil, topic: "t", to: &buffer)
        #expect(text(buffer) == "nullnull")
    }

    @Test func decodesKeysLikeJSONEvenOnAvroTopics() throws {
        #expect(text(try decoder.decodeKey(Array("sensor-1".utf8), topic: "stcs.sensors")) == #""sensor-1""#)
        #expect(text(try decoder.decodeKey(Array(#"{"id":1}"#.utf8), topic: "stcs.sensors")) == #"{"id":1}"#)
        #expect(text(try decoder.decodeKey(Array("17".utf8), topic: "raw")) == "17")
        #expect(text(try decoder.decodeKey([0x80, 0x81], topic: "t")) == #""gIE=""#)
    }

    @Test func appendsAfterExistingBytesAndRestoresThemOnError() throws {
        var buffer = Array(#"{"value":"#.utf8)
        try Array("[1]".utf8).withUnsafeBytes { try decoder.appendValue($0, topic: "t", to: &buffer) }
        #expect(text(buffer) == #"{"value":[1]"#)
        let before = buffer
        #expect(throws: RecordDecodingError.self) {
            try [UInt8]([1, 2]).withUnsafeBytes { try decoder.appendValue($0, topic: "stcs.x", to: &buffer) }
        }
        #expect(buffer == before)
    }

    @Test func resolvesTopicsAccordingToTheRules() {
        #expect(decoder.format(forTopic: "stcs.a") == .avro(schemaFile: fixtureSchemaPath))
        #expect(decoder.format(forTopic: "raw") == .string)
        #expect(decoder.format(forTopic: "rawer") == .json)
    }

    @Test func kafkaSchemaAloneDecodesEveryTopicAsAvro() throws {
        let decoder = try RecordDecoder(rules: try TopicFormatRules(topicFormats: nil, kafkaSchema: fixtureSchemaPath))
        let datum = try dataRecordDatum(timestamp: 2, [])
        #expect(text(try decoder.decodeValue(datum, topic: "any.topic")) == #"{"timestamp":2.0,"data":{}}"#)
    }
}
