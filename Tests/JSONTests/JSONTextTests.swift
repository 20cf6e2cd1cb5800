import JSON
import Testing

@Suite struct JSONTextTests {
    /// Appending many short values to a full buffer grows it geometrically: a handful of
    /// capacities, not one (and a copy of the whole buffer) per value.
    @Test func appendingManyValuesToAFullBufferGrowsItGeometrically() {
        for append in [
            { (output: inout [UInt8]) in _ = JSONText.appendString(utf8: UnsafeRawBufferPointer(start: nil, count: 0), to: &output, invalidUTF8: .fail) },
            { (output: inout [UInt8]) in [UInt8](arrayLiteral: 0xff, 0x00).withUnsafeBytes { JSONText.appendStringOrBase64($0, to: &output) } },
            { (output: inout [UInt8]) in JSONText.appendDouble(0.5, to: &output) },
        ] as [(inout [UInt8]) -> Void] {
            var output: [UInt8] = []
            output.reserveCapacity(64)
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: output.capacity))
            var capacities: Set<Int> = [output.capacity]
            for _ in 0..<2000 {
                append(&output)
                capacities.insert(output.capacity)
            }
            #expect(capacities.count < 20, "\(capacities.count) capacities for 2,000 appends")
        }
    }

    func string(_ bytes: [UInt8], _ handling: JSONText.InvalidUTF8Handling = .replace) -> String? {
        var output: [UInt8] = []
        let ok = bytes.withUnsafeBytes { JSONText.appendString(utf8: $0, to: &output, invalidUTF8: handling) }
        return ok ? String(decoding: output, as: UTF8.self) : nil
    }

    @Test func escapesEveryControlCharacter() {
        for byte in UInt8(0)..<0x20 {
            let escaped = string([byte])!
            #expect(escaped.hasPrefix("\"\\"), "byte \(byte)")
            #expect(isParsableJSON(Array(escaped.utf8)), "byte \(byte)")
        }
        #expect(string([0x00, 0x1F, 0x7F]) == "\"\\u0000\\u001f\u{7F}\"")
    }

    @Test func failsOnInvalidUTF8WhenAsked() {
        #expect(string([0x61, 0xC0, 0x80], .fail) == nil)   // overlong
        #expect(string([0xF4, 0x90, 0x80, 0x80], .fail) == nil)  // above U+10FFFF
        #expect(string([0xF0, 0x9F, 0x98, 0x80], .fail) == "\"😀\"")
    }

    @Test func base64MatchesRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (input, expected) in vectors {
            var output: [UInt8] = []
            Array(input.utf8).withUnsafeBytes { JSONText.appendBase64String($0, to: &output) }
            #expect(String(decoding: output, as: UTF8.self) == "\"\(expected)\"")
        }
    }

    @Test func validatesUTF8() {
        #expect([UInt8]("héllo €😀".utf8).withUnsafeBytes { JSONText.isValidUTF8($0) })
        for invalid: [UInt8] in [[0x80], [0xC3], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xFF], [0xC1, 0xBF]] {
            #expect(!invalid.withUnsafeBytes { JSONText.isValidUTF8($0) }, "\(invalid)")
        }
    }
}
