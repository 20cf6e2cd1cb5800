import JSON
import NIOCore
import SocketIO
import Testing

@Suite("JSON value, parser and serializer")
struct SocketJSONTests {
    @Test func parsesAllTypesKeepingObjectOrder() throws {
        let value = try JSONValue(parsing: #" {"z":1,"a":[true,false,null,-2.5e3,"x\n\u00e9\ud83d\ude00"],"m":{}} "#)
        #expect(value == .object([
            ("z", .int(1)),
            ("a", .array([.bool(true), .bool(false), .null, .double(-2500), .string("x\né😀")])),
            ("m", .object([])),
        ]))
        #expect(value.objectValue?.map(\.key) == ["z", "a", "m"])
    }

    @Test func integersBeyond64BitsBecomeDoubles() throws {
        #expect(try JSONValue(parsing: "9223372036854775807") == .int(.max))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .int(.min))
        #expect(try JSONValue(parsing: "9223372036854775808") == .double(9223372036854775808))
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":}", "{\"a\" 1}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"a\u{01}b\"", "[1] 2", "NaN", "Infinity",
        "[\"a\",]", "{\"a\":1,}", "'a'",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: text) }
    }

    /// What ingestd's validator passes, the parser takes (one grammar, ``JSONPolicy``).
    @Test func acceptsEverythingThePolicyAllows() throws {
        #expect(try JSONValue(parsing: #""\ud800""#) == .string("\u{FFFD}"))
        #expect(try JSONValue(parsing: #""a\udc00\ud800x""#) == .string("a\u{FFFD}\u{FFFD}x"))
        #expect(try JSONValue(parsing: #""\ud83d\ud83d\ude00""#) == .string("\u{FFFD}😀"))
        let huge = try JSONValue(parsing: #"{"v":1e400,"w":-1E+999}"#)
        #expect(huge == .object([("v", .raw(Array("1e400".utf8))), ("w", .raw(Array("-1E+999".utf8)))]))
        #expect(huge.jsonText == #"{"v":1e400,"w":-1E+999}"#)
        let deepest = String(repeating: "[", count: JSONPolicy.maximumDepth) + String(repeating: "]", count: JSONPolicy.maximumDepth)
        _ = try JSONValue(parsing: deepest)
        #expect(throws: JSONSyntaxError(.tooDeep, at: JSONPolicy.maximumDepth)) { try JSONValue(parsing: "[" + deepest + "]") }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func limitsNestingDepth() throws {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONSyntaxError.self) { try JSONParser(maximumDepth: 64).parse(deep) }
        let shallow = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        _ = try JSONParser(maximumDepth: 64).parse(shallow)
    }

    @Test func serializesAndRoundTrips() throws {
        let value: JSONValue = [
            "name": "quote\" back\\ slash / tab\t nl\n ctl\u{01}", "n": -42, "d": 0.25, "big": 1e300,
            "list": [true, nil, ["nested": [:]]], "unicode": "é😀",
        ]
        let text = value.jsonText
        #expect(text.contains(#""quote\" back\\ slash / tab\t nl\n ctl\u0001""#))
        #expect(try JSONValue(parsing: text) == value)
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONValue.array([.double(.nan), .double(.infinity)]).jsonText == "[null,null]")
    }

    @Test func rawJSONIsSplicedVerbatim() {
        let raw = JSONValue.raw(Array(#"{"price":1.50,"id":"x"}"#.utf8))
        #expect(JSONValue.array([.string("rec"), raw]).jsonText == #"["rec",{"price":1.50,"id":"x"}]"#)
    }

    @Test func binaryBecomesPlaceholders() {
        var output: [UInt8] = []
        var attachments: [ByteBuffer] = []
        let value: JSONValue = .array([.binary(ByteBuffer(bytes: [1])), .object([("b", .binary(ByteBuffer(bytes: [2, 3])))])])
        value.serialize(into: &output, attachments: &attachments)
        #expect(String(decoding: output, as: UTF8.self)
            == #"[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]"#)
        #expect(attachments == [ByteBuffer(bytes: [1]), ByteBuffer(bytes: [2, 3])])
        #expect(value.containsBinary)
    }
}
