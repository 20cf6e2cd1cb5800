import JSON

/// Lists the members of a record value's object (or the elements of an array) with scalars
/// decoded and nested values kept as text, which is what a CSV row needs; read with the
/// package's one grammar (``JSONReader``), so exportd accepts exactly what ingestd publishes.
struct JSONScanner {
    let text: [UInt8]

    init(_ text: [UInt8]) { self.text = text }

    /// The members of the object that is the whole text, in order.
    func objectMembers() throws(JSONSyntaxError) -> [(key: [UInt8], value: JSONSlice)] {
        try read(at: 0) { (reader: inout JSONReader) throws(JSONSyntaxError) in
            let members = try Self.objectMembers(&reader)
            try reader.expectEnd()
            return members
        }
    }

    /// The members of the object whose text is `range` (from ``JSONSlice/object(_:)``).
    func objectMembers(in range: Range<Int>) throws(JSONSyntaxError) -> [(key: [UInt8], value: JSONSlice)] {
        try read(at: range.lowerBound) { (reader: inout JSONReader) throws(JSONSyntaxError) in try Self.objectMembers(&reader) }
    }

    /// The elements of the array whose text is `range` (from ``JSONSlice/array(_:)``).
    func arrayElements(in range: Range<Int>) throws(JSONSyntaxError) -> [JSONSlice] {
        try read(at: range.lowerBound) { (reader: inout JSONReader) throws(JSONSyntaxError) in
            guard try reader.peekKind() == .array else { throw JSONSyntaxError(.unexpectedType, at: reader.index) }
            var elements: [JSONSlice] = []
            guard try reader.beginContainer(depth: 1) else { return elements }
            repeat { elements.append(try Self.value(&reader)) } while try reader.nextItem(inObject: false)
            return elements
        }
    }

    private func read<T>(at index: Int, _ body: (inout JSONReader) throws(JSONSyntaxError) -> T) throws(JSONSyntaxError) -> T {
        let result = text.withUnsafeBytes { raw in
            Result { () throws(JSONSyntaxError) -> T in
                var reader = JSONReader(raw, at: index)
                return try body(&reader)
            }
        }
        return try result.get()
    }

    private static func objectMembers(_ reader: inout JSONReader) throws(JSONSyntaxError) -> [(key: [UInt8], value: JSONSlice)] {
        guard try reader.peekKind() == .object else { throw JSONSyntaxError(.unexpectedType, at: reader.index) }
        var members: [(key: [UInt8], value: JSONSlice)] = []
        guard try reader.beginContainer(depth: 1) else { return members }
        repeat {
            let name = try reader.readMemberName()
            members.append((reader.bytes(of: name), try value(&reader)))
        } while try reader.nextItem(inObject: true)
        return members
    }

    private static func value(_ reader: inout JSONReader) throws(JSONSyntaxError) -> JSONSlice {
        switch try reader.peekKind() {
        case .string: return .string(reader.bytes(of: try reader.readString()))
        case .object: return .object(try reader.skipValueText(depth: 1))
        case .array: return .array(try reader.skipValueText(depth: 1))
        case .number: return .number(try reader.readNumber().range)
        case .true: try reader.readLiteral("true"); return .bool(true)
        case .false: try reader.readLiteral("false"); return .bool(false)
        case .null: try reader.readLiteral("null"); return .null
        }
    }
}
