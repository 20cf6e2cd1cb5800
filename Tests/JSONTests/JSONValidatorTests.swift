import Foundation
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

    /// Strings are skipped a word at a time over plain ASCII: a quote, backslash, control
    /// character, non-ASCII or invalid byte at any position of a long string (every offset
    /// within a word) is still seen, and the string reads back the same.
    @Test func everyByteOfALongStringIsChecked() {
        let plain = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ".utf8)
        for position in 0...plain.count {
            func text(_ inserted: [UInt8]) -> [UInt8] {
                [0x22] + plain[..<position] + inserted + plain[position...] + [0x22]
            }
            for (inserted, isValid) in [([0x5C, 0x22], true), ([0x5C, 0x6E], true), (Array("é😀".utf8), true),
                                        ([0x22], false), ([0x09], false), ([0x00], false), ([0xFF], false),
                                        ([0xC3], false), ([0x5C, 0x78], false), ([0x7F], true)] {
                let bytes = text(inserted)
                #expect(bytes.withUnsafeBytes { JSONValidator.isValid($0) } == isValid, "\(inserted) at \(position)")
                #expect(isParsableJSON(bytes) == isValid, "\(inserted) at \(position)")
                guard isValid else { continue }
                let read = bytes.withUnsafeBytes { raw -> String? in
                    var reader = JSONReader(raw)
                    return (try? reader.readString()).map { reader.string(of: $0) }
                }
                let expected = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) as? String
                #expect(read == expected, "\(inserted) at \(position)")
            }
        }
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
