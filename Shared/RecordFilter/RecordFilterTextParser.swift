import JSON

/// Reads the text form: `value.price > 10 and (key = "a" or not partition in [0, 1])`.
///
/// Precedence: `not` binds tightest, then `and`, then `or`; parentheses group. Strings are JSON
/// strings, numbers JSON numbers.
struct RecordFilterTextParser {
    private let text: [UInt8]
    private let limits: RecordFilterLimits
    private var index = 0
    private var nodes = 0

    init(_ text: String, limits: RecordFilterLimits) {
        self.text = Array(text.utf8)
        self.limits = limits
    }

    mutating func parse() throws(RecordFilterError) -> RecordFilter {
        guard text.count <= limits.maximumBytes else {
            throw RecordFilterError(.tooLong, at: limits.maximumBytes, "longer than \(limits.maximumBytes) bytes")
        }
        let filter = try orExpression(depth: 1)
        skipSpace()
        guard index == text.count else { throw fail("expected 'and', 'or' or the end") }
        return filter
    }

    // MARK: Grammar

    private mutating func orExpression(depth: Int) throws(RecordFilterError) -> RecordFilter {
        var parts = [try andExpression(depth: depth)]
        while try keyword("or") { parts.append(try andExpression(depth: depth)) }
        return parts.count == 1 ? parts[0] : try node(.or(parts))
    }

    private mutating func andExpression(depth: Int) throws(RecordFilterError) -> RecordFilter {
        var parts = [try unary(depth: depth)]
        while try keyword("and") { parts.append(try unary(depth: depth)) }
        return parts.count == 1 ? parts[0] : try node(.and(parts))
    }

    private mutating func unary(depth: Int) throws(RecordFilterError) -> RecordFilter {
        guard depth <= limits.maximumDepth else {
            throw RecordFilterError(.tooDeep, at: index, "nested deeper than \(limits.maximumDepth)")
        }
        if try keyword("not") { return try node(.not(try unary(depth: depth + 1))) }
        skipSpace()
        if peek == UInt8(ascii: "(") {
            index += 1
            let inner = try orExpression(depth: depth + 1)
            skipSpace()
            guard peek == UInt8(ascii: ")") else { throw fail("expected ')'") }
            index += 1
            return inner
        }
        return try comparison()
    }

    private mutating func comparison() throws(RecordFilterError) -> RecordFilter {
        skipSpace()
        let fieldStart = index
        guard let name = word(), !["and", "or", "not", "in", "prefix"].contains(name) else {
            throw fail("expected a field (value, value.<path>, key, partition, offset, timestamp, header.<name>)")
        }
        let field: RecordFilterField
        if name.hasPrefix(RecordFilterField.headerPrefix) {
            field = try headerField(after: name, at: fieldStart)
        } else {
            guard name.split(separator: ".").count <= limits.maximumPathParts + 1 else {
                throw RecordFilterError(.tooDeep, at: fieldStart, "a path of more than \(limits.maximumPathParts) parts")
            }
            field = try RecordFilterField(name: name, at: fieldStart)
        }
        let op = try comparisonOperator()
        let operand: RecordFilterOperand
        if op == .in {
            operand = .list(try list())
        } else {
            let value = try scalar()
            if op == .prefix, case .string = value {} else if op == .prefix {
                throw RecordFilterError(.badOperand, at: index, "prefix takes a string")
            }
            operand = .scalar(value)
        }
        return try node(.compare(field, op, operand))
    }

    /// The rest of a `header.` field whose start, `word`, was read: an unquoted name goes on
    /// with `-` (`header.content-type`), a quoted one is a JSON string (`header."a b"`).
    private mutating func headerField(after word: String, at start: Int) throws(RecordFilterError) -> RecordFilterField {
        if word == RecordFilterField.headerPrefix, peek == UInt8(ascii: "\"") {
            let quoteStart = index
            let result = text.withUnsafeBytes { raw -> Result<(FilterScalar?, Int), JSONSyntaxError> in
                var reader = JSONReader(raw, at: quoteStart)
                return Result { () throws(JSONSyntaxError) -> (FilterScalar?, Int) in
                    (try FilterScalar.read(&reader), reader.index)
                }
            }
            switch result {
            case .success(let (.string(name)?, end)):
                index = end
                return try RecordFilterField.header(name, at: start)
            case .success:
                throw fail("expected a quoted header name")
            case .failure(let error):
                throw RecordFilterError(.syntax, at: error.offset, "\(error.code.rawValue)")
            }
        }
        while let byte = peek, RecordFilterField.isHeaderNameByte(byte) { index += 1 }
        let name = String(decoding: text[(start + RecordFilterField.headerPrefix.utf8.count)..<index], as: UTF8.self)
        return try RecordFilterField.header(name, at: start)
    }

    private mutating func comparisonOperator() throws(RecordFilterError) -> RecordFilterOperator {
        skipSpace()
        for symbol in ["!=", "<=", ">=", "=", "<", ">"] where text[index...].starts(with: symbol.utf8) {
            index += symbol.utf8.count
            return RecordFilterOperator(rawValue: symbol)!
        }
        if try keyword("in") { return .in }
        if try keyword("prefix") { return .prefix }
        throw fail("expected =, !=, <, <=, >, >=, in or prefix")
    }

    private mutating func list() throws(RecordFilterError) -> [FilterScalar] {
        skipSpace()
        guard peek == UInt8(ascii: "[") else { throw fail("in takes a list: [a, b, ...]") }
        index += 1
        var items: [FilterScalar] = []
        skipSpace()
        if peek == UInt8(ascii: "]") {
            index += 1
            return items
        }
        while true {
            items.append(try scalar())
            guard items.count <= limits.maximumListItems else {
                throw RecordFilterError(.tooManyItems, at: index, "a list of more than \(limits.maximumListItems) items")
            }
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return items
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    private mutating func scalar() throws(RecordFilterError) -> FilterScalar {
        skipSpace()
        guard let first = peek else { throw fail("expected a string, number, true, false or null") }
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) {
            let start = index
            let result = text.withUnsafeBytes { raw -> Result<(FilterScalar, Int), JSONSyntaxError> in
                var reader = JSONReader(raw, at: start)
                return Result { () throws(JSONSyntaxError) -> (FilterScalar, Int) in
                    // A string or a number here (by its first byte), never an object or array.
                    (try FilterScalar.read(&reader) ?? .null, reader.index)
                }
            }
            switch result {
            case .success(let (value, end)):
                index = end
                return value
            case .failure(let error):
                throw RecordFilterError(.syntax, at: error.offset, "\(error.code.rawValue)")
            }
        }
        let start = index
        switch word() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default:
            index = start
            throw fail("expected a string, number, true, false or null")
        }
    }

    // MARK: Tokens

    private var peek: UInt8? { index < text.count ? text[index] : nil }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    /// A run of letters, digits, `_` and `.` (a field name or a keyword).
    private mutating func word() -> String? {
        skipSpace()
        let start = index
        while let byte = peek, Self.isWordByte(byte) { index += 1 }
        return index > start ? String(decoding: text[start..<index], as: UTF8.self) : nil
    }

    /// Consumes `name` when it is the next word.
    private mutating func keyword(_ name: String) throws(RecordFilterError) -> Bool {
        let start = index
        if word() == name { return true }
        index = start
        return false
    }

    private mutating func node(_ filter: RecordFilter) throws(RecordFilterError) -> RecordFilter {
        nodes += 1
        guard nodes <= limits.maximumNodes else {
            throw RecordFilterError(.tooManyNodes, at: index, "more than \(limits.maximumNodes) comparisons and combinators")
        }
        return filter
    }

    private func fail(_ message: String) -> RecordFilterError {
        RecordFilterError(.syntax, at: index, message)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."): true
        default: false
        }
    }
}
