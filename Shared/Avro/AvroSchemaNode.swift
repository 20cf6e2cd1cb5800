/// One node of a schema compiled for decoding: a flat, index-linked form of avro-c's schema tree
/// (indices let recursive named types refer back to themselves without reference cycles).
///
/// Every payload is an index or a range into ``AvroSchemaTables``, so a node is plain data: the
/// decoder's walk copies nodes without any reference counting.
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
    /// Symbols: a range of ``AvroSchemaTables/symbols``.
    case enumeration(symbols: Range<Int>)
    case array(items: Int)
    case map(values: Int)
    /// Fields: a range of ``AvroSchemaTables/fields``.
    case record(fields: Range<Int>)
    /// Branches: a range of ``AvroSchemaTables/branches`` (node indices).
    case union(branches: Range<Int>)
}
