/// A record field of a compiled schema.
struct AvroRecordFieldNode: Sendable {
    /// `"name":` as JSON text: a range of ``AvroSchemaTables/text``.
    let jsonKey: Range<Int>
    /// Index of the field's schema node.
    let node: Int
}
