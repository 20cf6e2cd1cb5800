/// Helpers that append JSON text to a byte buffer, without Foundation and without building
/// intermediate strings on the hot path.
public enum JSONText {
    /// What to do with bytes that are not valid UTF-8 inside a string.
    public enum InvalidUTF8Handling: Sendable {
        /// Write U+FFFD REPLACEMENT CHARACTER for each invalid sequence.
        case replace
        /// Stop and report failure; the caller decides (e.g. falls back to base64).
        case fail
    }

    /// Appends `string` as a quoted, escaped JSON string.
    public static func appendString(_ string: String, to output: inout [UInt8]) {
        var string = string
        string.withUTF8 { utf8 in
            _ = appendString(utf8: UnsafeRawBufferPointer(utf8), to: &output, invalidUTF8: .replace)
        }
    }

    /// `string` as a quoted, escaped JSON string.
    public static func quoted(_ string: String) -> String {
        var output: [UInt8] = []
        appendString(string, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Appends `bytes` (UTF-8 text) as a quoted, escaped JSON string.
    ///
    /// Quotes, backslashes and control characters are escaped (`\n`, `\t`, ... or `\u00XX`);
    /// everything else is copied. Invalid UTF-8 is replaced with U+FFFD (one per maximal invalid subpart) or, with `.fail`, makes the
    /// function return `false` after restoring `output` to its original length.
    @discardableResult
    public static func appendString(utf8 bytes: UnsafeRawBufferPointer, to output: inout [UInt8],
                                    invalidUTF8: InvalidUTF8Handling) -> Bool {
        let start = output.count
        output.reserveGrowing(bytes.count + 2)
        output.append(UInt8(ascii: "\""))
        let count = bytes.count
        var index = 0
        var runStart = 0
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x80 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = utf8SequenceLength(bytes, at: index)
                if length > 0 {
                    index += length
                    continue
                }
                // Invalid: `-length` bytes form the maximal invalid subpart, replaced as one.
                if invalidUTF8 == .fail {
                    output.removeSubrange(start...)
                    return false
                }
                flush(bytes, from: runStart, to: index, into: &output)
                output.append(contentsOf: replacementCharacter)
                index -= length
                runStart = index
                continue
            }
            flush(bytes, from: runStart, to: index, into: &output)
            appendEscape(byte, to: &output)
            index += 1
            runStart = index
        }
        flush(bytes, from: runStart, to: count, into: &output)
        output.append(UInt8(ascii: "\""))
        return true
    }

    /// Appends `bytes` as a JSON string of their UTF-8 text when valid UTF-8, else as a JSON string
    /// of their standard base64 encoding (with padding).
    public static func appendStringOrBase64(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        if !appendString(utf8: bytes, to: &output, invalidUTF8: .fail) {
            appendBase64String(bytes, to: &output)
        }
    }

    @inline(__always)
    private static func flush(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int,
                              into output: inout [UInt8]) {
        if end > start {
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        }
    }

    private static let replacementCharacter: [UInt8] = [0xEF, 0xBF, 0xBD]
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendEscape(_ byte: UInt8, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x0C: output.append(UInt8(ascii: "f"))
        case 0x0A: output.append(UInt8(ascii: "n"))
        case 0x0D: output.append(UInt8(ascii: "r"))
        case 0x09: output.append(UInt8(ascii: "t"))
        default:
            output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                       hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
        }
    }
}
