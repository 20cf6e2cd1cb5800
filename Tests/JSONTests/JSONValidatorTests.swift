import JSON
import Testing

@Suite struct JSONValidatorTests {
    func valid(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBytes { JSONValidator.isValid($0) }
    }

    @Test(arguments: [
        #"{}"#, #"[]"#, #"0"#, #"-0"#, #"1.5e+10"#, #"-12.25E-3"#, #""text""#, #"true"#, #"false"#, #"null"#,
        #" { "a" : [1, 2, {"b": null}], "c": "\u00e9\n\"", "d": -0.5 } "#, "\t[\r\n]\n",
        #"{"timestamp": "2018-03-16T10:02:00.000Z", "offers": [{"offer_id": 6, "prime": true}]}"#,
        #""héllo €😀""#, #""\ud83d\ude00""#,
    ])
    func acceptsValidJSON(_ text: String) {
        #expect(valid(text), "\(text)")
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "[,1]", #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, "01", "1.", ".5", "1e", "+1",
        "-", "tru", "nul", "True", "NaN", "Infinity", #""unterminated"#, #""bad \x escape""#, #""\u12g4""#,
        "\"tab\tinside\"", "1 2", "{} {}", "[1] x", "'single'", "hello world",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(!valid(text), "\(text)")
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x22]
        #expect(!bytes.withUnsafeBytes { JSONValidator.isValid($0) })
    }

    @Test func rejectsNestingBeyondTheLimitWithoutCrashing() {
        let depth = JSONValidator.maximumDepth
        #expect(valid(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)))
        #expect(!valid(String(repeating: "[", count: depth + 1) + String(repeating: "]", count: depth + 1)))
        #expect(!valid(String(repeating: "[", count: 100_000)))
    }
}
