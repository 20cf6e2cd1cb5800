import JSON

extension RecordFilter: CustomStringConvertible {
    /// The text form; parsing it gives this filter back.
    public var description: String {
        switch self {
        case .compare(let field, let op, let operand):
            return "\(field.name) \(op.rawValue) \(Self.text(operand))"
        case .not(let part):
            return "not " + Self.grouped(part)
        case .and(let parts):
            return parts.map(Self.grouped).joined(separator: " and ")
        case .or(let parts):
            return parts.map(Self.grouped).joined(separator: " or ")
        }
    }

    private static func grouped(_ filter: RecordFilter) -> String {
        if case .compare = filter { return filter.description }
        return "(\(filter.description))"
    }

    private static func text(_ operand: RecordFilterOperand) -> String {
        switch operand {
        case .scalar(let value): text(value)
        case .list(let items): "[" + items.map { text($0) }.joined(separator: ", ") + "]"
        }
    }

    private static func text(_ value: FilterScalar) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .string(let string): return JSONText.quoted(string)
        case .number(let number):
            if number.rounded() == number, abs(number) < 9e15 { return String(Int64(number)) }
            var output: [UInt8] = []
            JSONText.appendDouble(number, to: &output)
            return String(decoding: output, as: UTF8.self)
        }
    }
}
