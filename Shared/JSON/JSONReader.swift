/// The one JSON grammar of the package (see ``JSONPolicy``): a cursor over UTF-8 bytes with the
/// steps every reader is built from. ``JSONValidator`` skips values with it, the Socket.IO parser
/// builds values with it, exportd's row builder lists members with it.
///
/// The bytes must outlive the reader (use it inside `withUnsafeBytes`).
public struct JSONReader {
    /// The kinds of value a JSON text can hold, told by their first byte.
    public enum ValueKind: Sendable, Equatable {
        case object, array, string, number, `true`, `false`, null
    }

    /// A number's text: its range in the input and whether it has no fraction or exponent.
    public struct NumberToken: Sendable, Equatable {
        /// Where the number's text is.
        public var range: Range<Int>
        /// Whether the text has neither a fraction nor an exponent.
        public var isInteger: Bool
    }

    /// A string's content: a range of the input when it has no escape, else the decoded bytes.
    public enum StringToken: Sendable, Equatable {
        /// The content is these input bytes (valid UTF-8, no escapes).
        case verbatim(Range<Int>)
        /// The content with escapes decoded (valid UTF-8).
        case decoded([UInt8])
    }

    /// The text being read.
    public let bytes: UnsafeRawBufferPointer
    /// The position of the next byte to read.
    public var index: Int

    /// A reader at the start of `bytes`.
    public init(_ bytes: UnsafeRawBufferPointer, at index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    @inline(__always)
    func fail(_ code: JSONSyntaxError.Code, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(code, at: offset ?? index)
    }

    /// The byte at the cursor, nil at the end.
    @inline(__always)
    public var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// Moves past spaces, tabs and line ends.
    @inline(__always)
    public mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    /// After the value: only whitespace may follow.
    public mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index == bytes.count else { throw fail(.trailingData) }
    }

    /// Skips whitespace and tells which kind of value starts at the cursor (without consuming it).
    public mutating func peekKind() throws(JSONSyntaxError) -> ValueKind {
        skipWhitespace()
        guard let byte = current else { throw fail(.unexpectedEnd) }
        switch byte {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"): return .true
        case UInt8(ascii: "f"): return .false
        case UInt8(ascii: "n"): return .null
        default: throw fail(.unexpectedCharacter)
        }
    }

    // MARK: Containers

    /// Consumes the `{` or `[` at the cursor of a container at nesting `depth` (1 for the outermost);
    /// returns false when the container is empty (its end consumed too).
    public mutating func beginContainer(depth: Int) throws(JSONSyntaxError) -> Bool {
        guard depth <= JSONPolicy.maximumDepth else { throw fail(.tooDeep) }
        let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        index += 1
        skipWhitespace()
        if current == close {
            index += 1
            return false
        }
        return true
    }

    /// After an element or member: consumes `,` (returns true: another follows) or the end of
    /// the container (returns false).
    public mutating func nextItem(inObject: Bool) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        switch current {
        case UInt8(ascii: ","):
            index += 1
            return true
        case UInt8(ascii: "}") where inObject, UInt8(ascii: "]") where !inObject:
            index += 1
            return false
        case nil: throw fail(.unexpectedEnd)
        default: throw fail(.expectedCommaOrEnd)
        }
    }

    /// Reads a member name and the `:` after it.
    public mutating func readMemberName() throws(JSONSyntaxError) -> StringToken {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw fail(current == nil ? .unexpectedEnd : .expectedMemberName) }
        let name = try readString()
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw fail(current == nil ? .unexpectedEnd : .expectedColon) }
        index += 1
        return name
    }

    /// Skips one value of any kind at nesting `depth` (0 for a top-level value), checking it.
    public mutating func skipValue(depth: Int = 0) throws(JSONSyntaxError) {
        switch try peekKind() {
        case .object:
            guard try beginContainer(depth: depth + 1) else { return }
            repeat {
                _ = try readMemberName()
                try skipValue(depth: depth + 1)
            } while try nextItem(inObject: true)
        case .array:
            guard try beginContainer(depth: depth + 1) else { return }
            repeat { try skipValue(depth: depth + 1) } while try nextItem(inObject: false)
        case .string: _ = try scanString(decode: false)
        case .number: _ = try readNumber()
        case .true: try readLiteral("true")
        case .false: try readLiteral("false")
        case .null: try readLiteral("null")
        }
    }

    /// Skips the whole value at the cursor and returns the range of its text.
    public mutating func skipValueText(depth: Int = 0) throws(JSONSyntaxError) -> Range<Int> {
        skipWhitespace()
        let start = index
        try skipValue(depth: depth)
        return start..<index
    }

    // MARK: Scalars

    /// Consumes `word` (`true`, `false` or `null`).
    public mutating func readLiteral(_ word: StaticString) throws(JSONSyntaxError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail(.unexpectedEnd) }
        let start = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] {
            throw fail(.invalidLiteral)
        }
        index += count
    }

    /// Reads the number at the cursor.
    public mutating func readNumber() throws(JSONSyntaxError) -> NumberToken {
        let start = index
        var isInteger = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw fail(current == nil ? .unexpectedEnd : .invalidNumber) }
        index += 1
        if first == UInt8(ascii: "0") {
            if let next = current, Self.isDigit(next) { throw fail(.invalidNumber) }
        } else {
            while let digit = current, Self.isDigit(digit) { index += 1 }
        }
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let digit = current, Self.isDigit(digit) else { throw fail(.invalidNumber) }
            while let digit = current, Self.isDigit(digit) { index += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, Self.isDigit(digit) else { throw fail(.invalidNumber) }
            while let digit = current, Self.isDigit(digit) { index += 1 }
        }
        return NumberToken(range: start..<index, isInteger: isInteger)
    }

    /// The number as a 64-bit integer, when it is an integer that fits.
    public func int64(_ number: NumberToken) -> Int64? {
        guard number.isInteger else { return nil }
        var index = number.range.lowerBound
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var value: Int64 = 0
        while index < number.range.upperBound {
            let digit = Int64(bytes[index] &- UInt8(ascii: "0"))
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// The number as a finite double; nil when it is beyond `Double`'s range (kept as text then).
    public func double(_ number: NumberToken) -> Double? {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[number.range]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// Reads the string at the cursor (its opening quote).
    public mutating func readString() throws(JSONSyntaxError) -> StringToken {
        try scanString(decode: true)
    }

    /// The content of `token` as bytes.
    public func bytes(of token: StringToken) -> [UInt8] {
        switch token {
        case .verbatim(let range): Array(UnsafeRawBufferPointer(rebasing: bytes[range]))
        case .decoded(let decoded): decoded
        }
    }

    /// The content of `token` as a string.
    public func string(of token: StringToken) -> String {
        switch token {
        case .verbatim(let range): String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        case .decoded(let decoded): String(decoding: decoded, as: UTF8.self)
        }
    }

    /// Whether the content of `token` equals `text`.
    public func content(of token: StringToken, equals text: StaticString) -> Bool {
        let expected = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        switch token {
        case .verbatim(let range): return UnsafeRawBufferPointer(rebasing: bytes[range]).elementsEqual(expected)
        case .decoded(let decoded): return decoded.elementsEqual(expected)
        }
    }

    /// Inside a string, skips whole 8-byte words of plain ASCII (no quote, backslash, control
    /// character or byte of 0x80 and above): the bytes the byte loop would pass over one by one
    /// unchanged. A word holding any other byte is left to the byte loop.
    @inline(__always)
    private mutating func skipPlainASCII() {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        while bytes.count - index >= 8 {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let quotes = word ^ (ones &* UInt64(UInt8(ascii: "\"")))
            let backslashes = word ^ (ones &* UInt64(UInt8(ascii: "\\")))
            // A byte is flagged when it is 0x80 or above, below 0x20, or zero after the xor
            // (the usual has-less-than tricks; they may flag more, never less).
            let special = (word | ((word &- ones &* 0x20) & ~word)
                           | ((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes)) & highs
            guard special == 0 else { return }
            index += 8
        }
    }

    private mutating func scanString(decode: Bool) throws(JSONSyntaxError) -> StringToken {
        let quote = index
        index += 1
        let start = index
        var decoded: [UInt8]? = nil
        while index < bytes.count {
            if decoded == nil { skipPlainASCII() }
            guard index < bytes.count else { break }
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                let end = index
                index += 1
                if let decoded { return .decoded(decoded) }
                return .verbatim(start..<end)
            case UInt8(ascii: "\\"):
                if decode, decoded == nil { decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index])) }
                index += 1
                guard let escaped = current else { throw fail(.unexpectedEnd) }
                index += 1
                let plain: UInt8
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): plain = escaped
                case UInt8(ascii: "b"): plain = 0x08
                case UInt8(ascii: "f"): plain = 0x0C
                case UInt8(ascii: "n"): plain = 0x0A
                case UInt8(ascii: "r"): plain = 0x0D
                case UInt8(ascii: "t"): plain = 0x09
                case UInt8(ascii: "u"):
                    let scalar = try readUnicodeEscape()
                    if decode { decoded!.append(contentsOf: UTF8.encode(scalar)!) }
                    continue
                default: throw fail(.invalidEscape, at: index - 1)
                }
                if decode { decoded!.append(plain) }
            case 0x00..<0x20:
                throw fail(.controlCharacterInString)
            case 0x80...:
                let length = JSONText.utf8SequenceLength(bytes, at: index)
                guard length > 0 else { throw fail(.invalidUTF8) }
                if decode, decoded != nil { decoded!.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[index..<index + length])) }
                index += length
            default:
                if decode, decoded != nil { decoded!.append(byte) }
                index += 1
            }
        }
        throw fail(.unexpectedEnd, at: quote)
    }

    /// After `\u`: four hex digits, and a low surrogate escape after a high one; a surrogate
    /// without its pair is U+FFFD.
    private mutating func readUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        let value = try readHex4()
        if (0xD800..<0xDC00).contains(value), bytes.count - index >= 6,
           bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
            let mark = index
            index += 2
            let low = try readHex4()
            if (0xDC00..<0xE000).contains(low) {
                return Unicode.Scalar(0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00))!
            }
            index = mark  // not a pair: the second escape is read on its own
        }
        return Unicode.Scalar(value) ?? "\u{FFFD}"
    }

    private mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard bytes.count - index >= 4 else { throw fail(.unexpectedEnd) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail(.invalidUnicodeEscape)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
