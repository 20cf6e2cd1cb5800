import JSON

extension FilterScalar {
    /// Reads the scalar at the reader's position; nil (nothing read) for an object or array.
    /// Numbers beyond `Double` read as infinities.
    static func read(_ reader: inout JSONReader) throws(JSONSyntaxError) -> FilterScalar? {
        switch try reader.peekKind() {
        case .string: return .string(reader.string(of: try reader.readString()))
        case .number:
            let number = try reader.readNumber()
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[number.range]), as: UTF8.self)
            return .number(Double(text) ?? .nan)
        case .true: try reader.readLiteral("true"); return .bool(true)
        case .false: try reader.readLiteral("false"); return .bool(false)
        case .null: try reader.readLiteral("null"); return .null
        case .object, .array: return nil
        }
    }
}
