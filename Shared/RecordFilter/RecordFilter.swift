/// A filter on records: comparisons on a record's decoded value and key (dotted paths into
/// nested objects, array indexes), its partition, offset and Kafka timestamp and its Kafka
/// headers (`header.<name>`), combined with `and`, `or` and `not`. One parser and one evaluator for live streams, history and exports.
///
/// Written as text (`value.price > 10 and key prefix "shop-"`) or as JSON
/// (`{"and": [{"field": "value.price", "op": ">", "value": 10}, ...]}`); see docs/filters.md.
/// Parsing is bounded by ``RecordFilterLimits``.
public indirect enum RecordFilter: Sendable, Hashable {
    /// Every part holds.
    case and([RecordFilter])
    /// At least one part holds.
    case or([RecordFilter])
    /// The part does not hold.
    case not(RecordFilter)
    /// A field compared with an operand.
    case compare(RecordFilterField, RecordFilterOperator, RecordFilterOperand)

    /// Parses the text form.
    public init(text: String, limits: RecordFilterLimits = RecordFilterLimits()) throws(RecordFilterError) {
        var parser = RecordFilterTextParser(text, limits: limits)
        self = try parser.parse()
    }

    /// Parses the JSON form.
    public init(json: [UInt8], limits: RecordFilterLimits = RecordFilterLimits()) throws(RecordFilterError) {
        var parser = RecordFilterJSONParser(json, limits: limits)
        self = try parser.parse()
    }

    /// Parses either form: JSON when the text starts with `{`, else the text form (what an HTTP
    /// query parameter or a subscribe argument carries).
    public init(parsing text: String, limits: RecordFilterLimits = RecordFilterLimits()) throws(RecordFilterError) {
        if text.first(where: { !$0.isWhitespace }) == "{" {
            try self.init(json: Array(text.utf8), limits: limits)
        } else {
            try self.init(text: text, limits: limits)
        }
    }

    /// Whether `record` passes the filter.
    public func matches(_ record: some FilterableRecord) -> Bool {
        switch self {
        case .and(let parts): return parts.allSatisfy { $0.matches(record) }
        case .or(let parts): return parts.contains { $0.matches(record) }
        case .not(let part): return !part.matches(record)
        case .compare(let field, let op, let operand): return op.holds(field.value(in: record), operand)
        }
    }
}
