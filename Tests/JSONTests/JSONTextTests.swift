import JSON
import Testing

@Suite struct JSONTextTests {
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
