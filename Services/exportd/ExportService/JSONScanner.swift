/// A small, allocation-light JSON reader for record values: lists the members of an object (or
/// the elements of an array) with scalar values decoded and nested values kept as text, which is
/// what a CSV row needs. Validates structure while skipping nested values.
struct JSONScanner {
    let text: [UInt8]

    init(_ text: [UInt8]) { self.text = text }

    /// The members of the object at the top level, in order.
    func objectMembers() throws(JSONScanError) -> [(key: [UInt8], value: JSONSlice)] {
        var index = 0
        skipSpace(&index)
        let members = try objectMembers(at: &index)
        skipSpace(&index)
        guard index == text.count else { throw JSONScanError(position: index, problem: "text after the JSON value") }
        return members
    }

    /// The members of the object whose text is `range` (from ``JSONSlice/object(_:)``).
    func objectMembers(in range: Range<Int>) throws(JSONScanError) -> [(key: [UInt8], value: JSONSlice)] {
        var index = range.lowerBound
        return try objectMembers(at: &index)
    }

    /// The elements of the array whose text is `range` (from ``JSONSlice/array(_:)``).
    func arrayElements(in range: Range<Int>) throws(JSONScanError) -> [JSONSlice] {
        var index = range.lowerBound
        guard index < text.count, text[index] == UInt8(ascii: "[") else { throw fail(index, "expected an array") }
        index += 1
        var elements: [JSONSlice] = []
        skipSpace(&index)
        if index < text.count, text[index] == UInt8(ascii: "]") { return elements }
        while true {
            elements.append(try value(at: &index))
            skipSpace(&index)
            guard index < text.count else { throw fail(index, "unterminated array") }
            if text[index] == UInt8(ascii: ",") { index += 1; continue }
            if text[index] == UInt8(ascii: "]") { return elements }
            throw fail(index, "expected ',' or ']'")
        }
    }

    private func objectMembers(at index: inout Int) throws(JSONScanError) -> [(key: [UInt8], value: JSONSlice)] {
        guard index < text.count, text[index] == UInt8(ascii: "{") else { throw fail(index, "expected an object") }
        index += 1
        var members: [(key: [UInt8], value: JSONSlice)] = []
        skipSpace(&index)
        if index < text.count, text[index] == UInt8(ascii: "}") { index += 1; return members }
        while true {
            skipSpace(&index)
            guard index < text.count, text[index] == UInt8(ascii: "\"") else { throw fail(index, "expected a member name") }
            let key = try string(at: &index)
            skipSpace(&index)
            guard index < text.count, text[index] == UInt8(ascii: ":") else { throw fail(index, "expected ':'") }
            index += 1
            let member = try value(at: &index)
            members.append((key, member))
            skipSpace(&index)
            guard index < text.count else { throw fail(index, "unterminated object") }
            if text[index] == UInt8(ascii: ",") { index += 1; continue }
            if text[index] == UInt8(ascii: "}") { index += 1; return members }
            throw fail(index, "expected ',' or '}'")
        }
    }

    private func value(at index: inout Int) throws(JSONScanError) -> JSONSlice {
        skipSpace(&index)
        guard index < text.count else { throw fail(index, "expected a value") }
        let start = index
        switch text[index] {
        case UInt8(ascii: "\""): return .string(try string(at: &index))
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipContainer(at: &index)
            return text[start] == UInt8(ascii: "{") ? .object(start..<index) : .array(start..<index)
        case UInt8(ascii: "t"): try literal("true", at: &index); return .bool(true)
        case UInt8(ascii: "f"): try literal("false", at: &index); return .bool(false)
        case UInt8(ascii: "n"): try literal("null", at: &index); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try number(at: &index)
            return .number(start..<index)
        default: throw fail(index, "unexpected character")
        }
    }

    private func literal(_ word: StaticString, at index: inout Int) throws(JSONScanError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= text.count else { throw fail(index, "truncated literal") }
        for offset in 0..<count where text[index + offset] != word.utf8Start[offset] {
            throw fail(index, "invalid literal")
        }
        index += count
    }

    private func number(at index: inout Int) throws(JSONScanError) {
        let start = index
        if text[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        while index < text.count, let byte = Optional(text[index]),
              (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "+")
                || byte == UInt8(ascii: "-") {
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { digits += 1 }
            index += 1
        }
        guard digits > 0 else { throw fail(start, "invalid number") }
    }

    /// Skips a balanced object or array, respecting strings.
    private func skipContainer(at index: inout Int) throws(JSONScanError) {
        var depth = 0
        let start = index
        while index < text.count {
            switch text[index] {
            case UInt8(ascii: "\""):
                try skipString(at: &index)
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { index += 1; return }
            default: break
            }
            index += 1
        }
        throw fail(start, "unterminated container")
    }

    private func skipString(at index: inout Int) throws(JSONScanError) {
        let start = index
        index += 1
        while index < text.count {
            switch text[index] {
            case UInt8(ascii: "\""): index += 1; return
            case UInt8(ascii: "\\"): index += 2
            default: index += 1
            }
        }
        throw fail(start, "unterminated string")
    }

    /// Reads a string starting at its opening quote; returns it unescaped.
    private func string(at index: inout Int) throws(JSONScanError) -> [UInt8] {
        let start = index
        index += 1
        let contentStart = index
        // Fast path: no escapes.
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return Array(text[contentStart..<index])
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail(index, "control character in string") }
            index += 1
        }
        var output = Array(text[contentStart..<min(index, text.count)])
        while index < text.count {
            let byte = text[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return output
            case UInt8(ascii: "\\"):
                guard index + 1 < text.count else { throw fail(index, "truncated escape") }
                let escaped = text[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escaped)
                case UInt8(ascii: "b"): output.append(0x08)
                case UInt8(ascii: "f"): output.append(0x0C)
                case UInt8(ascii: "n"): output.append(0x0A)
                case UInt8(ascii: "r"): output.append(0x0D)
                case UInt8(ascii: "t"): output.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4(at: &index)
                    if (0xD800..<0xDC00).contains(scalar), index + 1 < text.count,
                       text[index] == UInt8(ascii: "\\"), text[index + 1] == UInt8(ascii: "u") {
                        var lookahead = index + 2
                        let low = try hex4(at: &lookahead)
                        if (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            index = lookahead
                        }
                    }
                    let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    output.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw fail(index - 1, "invalid escape")
                }
            default:
                if byte < 0x20 { throw fail(index, "control character in string") }
                output.append(byte)
                index += 1
            }
        }
        throw fail(start, "unterminated string")
    }

    private func hex4(at index: inout Int) throws(JSONScanError) -> UInt32 {
        guard index + 4 <= text.count else { throw fail(index, "truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = text[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail(index, "invalid \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private func skipSpace(_ index: inout Int) {
        while index < text.count {
            switch text[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func fail(_ position: Int, _ problem: String) -> JSONScanError {
        JSONScanError(position: position, problem: problem)
    }
}
