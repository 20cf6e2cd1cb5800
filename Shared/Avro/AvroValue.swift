/// An Avro value built in Swift, for encoding with `AvroEncoder` (tests, the demo producer,
/// benchmarks). The schema decides the wire type; the value must match it.
public indirect enum AvroValue: Sendable {
    case null
    case boolean(Bool)
    case int(Int32)
    case long(Int64)
    case float(Float)
    case double(Double)
    case string(String)
    /// Bytes, for `bytes` and `fixed` schemas.
    case bytes([UInt8])
    case array([AvroValue])
    /// Map entries, encoded in this order.
    case map([(key: String, value: AvroValue)])
    /// Record fields by name; every field of the schema must be given, in any order.
    case record([(name: String, value: AvroValue)])
    /// A value of the union's branch at index `branch` (0-based, in schema order).
    case union(branch: Int, AvroValue)
    /// An enum symbol.
    case enumSymbol(String)

    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .boolean: return "boolean"
        case .int: return "int"
        case .long: return "long"
        case .float: return "float"
        case .double: return "double"
        case .string: return "string"
        case .bytes: return "bytes"
        case .array: return "array"
        case .map: return "map"
        case .record: return "record"
        case .union: return "union"
        case .enumSymbol: return "enum"
        }
    }
}
