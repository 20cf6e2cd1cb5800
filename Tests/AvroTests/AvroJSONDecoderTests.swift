import Avro
import Testing

@Suite struct AvroJSONDecoderTests {
    let schema: AvroSchema
    let encoder: AvroEncoder
    let decoder: AvroJSONDecoder

    init() throws {
        schema = try fixtureSchema()
        encoder = try AvroEncoder(schema: schema)
        decoder = AvroJSONDecoder(schema: schema)
    }

    func dataRecord(_ timestamp: Double, _ entries: [(key: String, value: AvroValue)]) -> AvroValue {
        .record([(name: "timestamp", value: .double(timestamp)), (name: "data", value: .map(entries))])
    }

    @Test func decodesEveryUnionBranchOfTheFixtureUnwrapped() throws {
        let datum = try encoder.encode(dataRecord(1521194520.5, [
            ("s", .union(branch: 0, .string("hello"))),
            ("b", .union(branch: 1, .bytes(Array("abc".utf8)))),
            ("nb", .union(branch: 1, .bytes([0xFF, 0x00, 0x80]))),
            ("f", .union(branch: 2, .float(21.5))),
            ("l", .union(branch: 3, .long(-9_007_199_254_740_993))),
            ("i", .union(branch: 4, .int(-42))),
            ("t", .union(branch: 5, .boolean(true))),
            ("no", .union(branch: 5, .boolean(false))),
        ]))
        #expect(try decodeToString(decoder, datum) ==
            #"{"timestamp":1521194520.5,"data":{"s":"hello","b":"abc","nb":"/wCA","f":21.5,"l":-9007199254740993,"i":-42,"t":true,"no":false}}"#)
    }

    @Test func decodesAnEmptyMap() throws {
        let datum = try encoder.encode(dataRecord(0, []))
        #expect(try decodeToString(decoder, datum) == #"{"timestamp":0.0,"data":{}}"#)
    }

    @Test(arguments: [
        (1.0, "1.0"), (0.1, "0.1"), (-2.5, "-2.5"), (1e-05, "1e-05"), (1e+20, "1e+20"),
        (1521194520.123, "1521194520.123"), (-0.0, "-0.0"), (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (Double.nan, "null"), (Double.infinity, "null"), (-Double.infinity, "null"),
    ])
    func decodesDoublesInShortestRoundTripForm(value: Double, expected: String) throws {
        let datum = try encoder.encode(dataRecord(value, []))
        #expect(try decodeToString(decoder, datum) == #"{"timestamp":\#(expected),"data":{}}"#)
    }

    @Test func decodesFloatsInTheirOwnShortestForm() throws {
        let datum = try encoder.encode(dataRecord(1, [
            ("a", .union(branch: 2, .float(0.1))), ("b", .union(branch: 2, .float(.nan))),
            ("c", .union(branch: 2, .float(-.infinity))), ("d", .union(branch: 2, .float(3.4e38))),
        ]))
        #expect(try decodeToString(decoder, datum) ==
            #"{"timestamp":1.0,"data":{"a":0.1,"b":null,"c":null,"d":3.4e+38}}"#)
    }

    @Test func escapesStringsAndKeys() throws {
        let datum = try encoder.encode(dataRecord(1, [
            ("k\"ey\\", .union(branch: 0, .string("q\"b\\s/\n\r\t\u{08}\u{0C}\u{01}\u{1F}é€😀"))),
        ]))
        #expect(try decodeToString(decoder, datum) ==
            #"{"timestamp":1.0,"data":{"k\"ey\\":"q\"b\\s/\n\r\t\b\f\u0001\u001fé€😀"}}"#)
    }

    @Test func replacesInvalidUTF8InAvroStrings() throws {
        // A string schema carrying raw bytes: 'a', 0xFF, 'b', a truncated 3-byte sequence, a surrogate.
        let decoder = AvroJSONDecoder(schema: try AvroSchema(json: #""string""#))
        let raw: [UInt8] = [0x61, 0xFF, 0x62, 0xE2, 0x82, 0xED, 0xA0, 0x80]
        let datum = [UInt8(raw.count * 2)] + raw
        #expect(try decodeToString(decoder, datum) == "\"a\u{FFFD}b\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\"")
        // The same replacement as Swift's own decoding.
        #expect(try decodeToString(decoder, datum) == "\"\(String(decoding: raw, as: UTF8.self))\"")
    }

    @Test func encodesBytesAsUTF8OrBase64WithPadding() throws {
        let decoder = AvroJSONDecoder(schema: try AvroSchema(json: #""bytes""#))
        let encoder = try AvroEncoder(schema: decoder.schema)
        let cases: [([UInt8], String)] = [
            ([], #""""#), (Array("text \"x\"".utf8), #""text \"x\"""#),
            ([0xFF], #""/w==""#), ([0xFF, 0xFE], #""//4=""#), ([0xFF, 0xFE, 0xFD], #""//79""#),
            ([0x00, 0xC0, 0x80, 0x01], #""AMCAAQ==""#),
        ]
        for (bytes, expected) in cases {
            #expect(try decodeToString(decoder, try encoder.encode(.bytes(bytes))) == expected)
        }
    }

    @Test func decodesRecordsEnumsFixedArraysAndNullableUnions() throws {
        let schema = try AvroSchema(json: """
            {"type": "record", "name": "Offer", "namespace": "test", "fields": [
              {"name": "id", "type": "long"},
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
              {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 2}},
              {"name": "parent", "type": ["null", "Offer"]},
              {"name": "note", "type": ["null", "string"], "default": null},
              {"name": "ratio", "type": "float"}
            ]}
            """)
        let encoder = try AvroEncoder(schema: schema)
        let decoder = AvroJSONDecoder(schema: schema)
        let parent = AvroValue.record([
            (name: "id", value: .long(1)), (name: "tags", value: .array([])),
            (name: "color", value: .enumSymbol("RED")), (name: "hash", value: .bytes([0xFF, 0xFF])),
            (name: "parent", value: .union(branch: 0, .null)), (name: "note", value: .union(branch: 0, .null)),
            (name: "ratio", value: .float(0.5)),
        ])
        let child = AvroValue.record([
            (name: "ratio", value: .float(-1)), (name: "id", value: .long(2)),
            (name: "tags", value: .array([.string("a"), .string("b")])),
            (name: "color", value: .enumSymbol("GREEN")), (name: "hash", value: .bytes(Array("ok".utf8))),
            (name: "parent", value: .union(branch: 1, parent)), (name: "note", value: .union(branch: 1, .string("n"))),
        ])
        #expect(try decodeToString(decoder, try encoder.encode(child)) ==
            #"{"id":2,"tags":["a","b"],"color":"GREEN","hash":"ok","parent":{"id":1,"tags":[],"color":"RED","hash":"//8=","parent":null,"note":null,"ratio":0.5},"note":"n","ratio":-1.0}"#)
    }

    @Test func decodesIntegerExtremes() throws {
        let decoder = AvroJSONDecoder(schema: try AvroSchema(json: #"{"type":"array","items":["int","long"]}"#))
        let encoder = try AvroEncoder(schema: decoder.schema)
        let datum = try encoder.encode(.array([
            .union(branch: 0, .int(.min)), .union(branch: 0, .int(.max)), .union(branch: 0, .int(0)),
            .union(branch: 1, .long(.min)), .union(branch: 1, .long(.max)),
        ]))
        #expect(try decodeToString(decoder, datum) ==
            "[-2147483648,2147483647,0,-9223372036854775808,9223372036854775807]")
    }

    @Test func acceptsBlocksWithByteSizes() throws {
        // An array written as one block with a negative count followed by the block's byte size.
        let decoder = AvroJSONDecoder(schema: try AvroSchema(json: #"{"type":"array","items":"int"}"#))
        #expect(try decodeToString(decoder, [0x03, 0x04, 0x02, 0x04, 0x00]) == "[1,2]")
    }

    @Test func appendsToTheGivenBufferAndRestoresItOnError() throws {
        let datum = try encoder.encode(dataRecord(2, [("x", .union(branch: 4, .int(7)))]))
        var buffer = Array("prefix:".utf8)
        try datum.withUnsafeBytes { try decoder.appendJSON(decoding: $0, to: &buffer) }
        #expect(String(decoding: buffer, as: UTF8.self) == #"prefix:{"timestamp":2.0,"data":{"x":7}}"#)
        let before = buffer
        #expect(throws: AvroDecodingError.self) {
            try datum.dropLast().withUnsafeBytes { try decoder.appendJSON(decoding: $0, to: &buffer) }
        }
        #expect(buffer == before)
    }
}
