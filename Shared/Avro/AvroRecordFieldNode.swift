/// A record field of a compiled schema.
struct AvroRecordFieldNode: Sendable {
    /// `"name":` as JSON text.
    let jsonKey: [UInt8]
    /// Index of the field's schema node.
    let node: Int
}
