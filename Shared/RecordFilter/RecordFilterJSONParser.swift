import JSON

/// Reads the JSON form: `{"field": "value.price", "op": ">", "value": 10}`, `{"and": [...]}`,
/// `{"or": [...]}`, `{"not": {...}}`; `in` takes a list as its value.
struct RecordFilterJSONParser {
    private let text: [UInt8]
    private let limits: RecordFilterLimits
    private var nodes = 0

    init(_ text: [UInt8], limits: RecordFilterLimits) {
        self.text = text
        self.limits = limits
    }

    mutating func parse() throws(RecordFilterError) -> RecordFilter {
        guard text.count <= limits.maximumBytes else {
            throw RecordFilterError(.tooLong, at: limits.maximumBytes, "longer than \(limits.maximumBytes) bytes")
        }
        let result = text.withUnsafeBytes { raw -> Result<RecordFilter, RecordFilterError> in
            var reader = JSONReader(raw)
            var parser = self
            return Result { () throws(RecordFilterError) -> RecordFilter in
                let filter = try parser.node(&reader, depth: 1)
                try Self.syntax { () throws(JSONSyntaxError) in try reader.expectEnd() }
                return filter
            }
        }
        return try result.get()
    }

    private mutating func node(_ reader: inout JSONReader, depth: Int) throws(RecordFilterError) -> RecordFilter {
        guard depth <= limits.maximumDepth else {
            throw RecordFilterError(.tooDeep, at: reader.index, "nested deeper than \(limits.maximumDepth)")
        }
        nodes += 1
        guard nodes <= limits.maximumNodes else {
            throw RecordFilterError(.tooManyNodes, at: reader.index, "more than \(limits.maximumNodes) comparisons and combinators")
        }
        let start = reader.index
        guard try Self.syntax({ () throws(JSONSyntaxError) in try reader.peekKind() }) == .object else {
            throw RecordFilterError(.syntax, at: reader.index, "a filter is a JSON object")
        }
        var combinator: (String, [RecordFilter])?
        var negated: RecordFilter?
        var fieldName: String?
        var opName: String?
        var operand: RecordFilterOperand?
        guard try Self.syntax({ () throws(JSONSyntaxError) in try reader.beginContainer(depth: depth) }) else {
            throw RecordFilterError(.syntax, at: start, "an empty filter object")
        }
        repeat {
            let name = try Self.syntax { () throws(JSONSyntaxError) in reader.string(of: try reader.readMemberName()) }
            switch name {
            case "and", "or":
                combinator = (name, try list(&reader, depth: depth))
            case "not":
                negated = try node(&reader, depth: depth + 1)
            case "field", "op":
                let kind = try Self.syntax { () throws(JSONSyntaxError) in try reader.peekKind() }
                guard kind == .string else { throw RecordFilterError(.syntax, at: reader.index, "\(name) is a string") }
                let text = try Self.syntax { () throws(JSONSyntaxError) in reader.string(of: try reader.readString()) }
                if name == "field" { fieldName = text } else { opName = text }
            case "value":
                operand = try self.operand(&reader)
            default:
                throw RecordFilterError(.syntax, at: reader.index, "unknown member '\(name)' (and, or, not, field, op, value)")
            }
        } while try Self.syntax({ () throws(JSONSyntaxError) in try reader.nextItem(inObject: true) })

        let forms = [combinator != nil, negated != nil, fieldName != nil || opName != nil || operand != nil].filter { $0 }.count
        guard forms == 1 else {
            throw RecordFilterError(.syntax, at: start, "a filter object is one of {and}, {or}, {not} or {field, op, value}")
        }
        if let combinator { return combinator.0 == "and" ? .and(combinator.1) : .or(combinator.1) }
        if let negated { return .not(negated) }
        guard let fieldName, let opName, let operand else {
            throw RecordFilterError(.syntax, at: start, "a comparison has field, op and value")
        }
        let field = try RecordFilterField(name: fieldName, at: start)
        guard let op = RecordFilterOperator(rawValue: opName) else {
            throw RecordFilterError(.syntax, at: start, "'\(opName)' is not one of =, !=, <, <=, >, >=, in, prefix")
        }
        switch (op, operand) {
        case (.in, .list), (.equal, .scalar), (.notEqual, .scalar), (.less, .scalar), (.lessOrEqual, .scalar),
             (.greater, .scalar), (.greaterOrEqual, .scalar), (.prefix, .scalar(.string)):
            return .compare(field, op, operand)
        default:
            throw RecordFilterError(.badOperand, at: start, op == .in ? "in takes a list" : "\(op.rawValue) takes \(op == .prefix ? "a string" : "one value")")
        }
    }

    private mutating func list(_ reader: inout JSONReader, depth: Int) throws(RecordFilterError) -> [RecordFilter] {
        guard try Self.syntax({ () throws(JSONSyntaxError) in try reader.peekKind() }) == .array else {
            throw RecordFilterError(.syntax, at: reader.index, "and/or take a list of filters")
        }
        var parts: [RecordFilter] = []
        guard try Self.syntax({ () throws(JSONSyntaxError) in try reader.beginContainer(depth: depth + 1) }) else { return parts }
        repeat { parts.append(try node(&reader, depth: depth + 1)) } while try Self.syntax({ () throws(JSONSyntaxError) in
            try reader.nextItem(inObject: false)
        })
        return parts
    }

    private func operand(_ reader: inout JSONReader) throws(RecordFilterError) -> RecordFilterOperand {
        if try Self.syntax({ () throws(JSONSyntaxError) in try reader.peekKind() }) == .array {
            var items: [FilterScalar] = []
            guard try Self.syntax({ () throws(JSONSyntaxError) in try reader.beginContainer(depth: 1) }) else { return .list(items) }
            repeat {
                items.append(try scalar(&reader))
                guard items.count <= limits.maximumListItems else {
                    throw RecordFilterError(.tooManyItems, at: reader.index, "a list of more than \(limits.maximumListItems) items")
                }
            } while try Self.syntax({ () throws(JSONSyntaxError) in try reader.nextItem(inObject: false) })
            return .list(items)
        }
        return .scalar(try scalar(&reader))
    }

    private func scalar(_ reader: inout JSONReader) throws(RecordFilterError) -> FilterScalar {
        let position = reader.index
        let value = try Self.syntax { () throws(JSONSyntaxError) -> FilterScalar? in try FilterScalar.read(&reader) }
        guard let value else { throw RecordFilterError(.badOperand, at: position, "a value is a string, number, true, false or null") }
        return value
    }

    /// Runs a reader step, a JSON syntax error as a filter syntax error.
    private static func syntax<T>(_ step: () throws(JSONSyntaxError) -> T) throws(RecordFilterError) -> T {
        do {
            return try step()
        } catch {
            throw RecordFilterError(.syntax, at: error.offset, error.code.rawValue)
        }
    }
}
