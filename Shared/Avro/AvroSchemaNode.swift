/// One node of a schema compiled for decoding: a flat, index-linked form of avro-c's schema tree
/// (indices let recursive named types refer back to themselves without reference cycles).
enum AvroSchemaNode: Sendable {
    case null
    case boolean
    case int
    case long
    case float
    case double
    case string
    case bytes
    case fixed(size: Int)
    /// Symbols pre-rendered as JSON strings (with quotes).
    case enumeration(symbols: [[UInt8]])
    case array(items: Int)
    case map(values: Int)
    case record(fields: [AvroRecordFieldNode])
    case union(branches: [Int])
}
