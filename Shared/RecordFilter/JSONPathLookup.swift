import JSON

/// Finds the scalar at a path of member names and array indexes in JSON text, reading only as
/// far as the path needs (the one JSON grammar, ``JSONReader``).
enum JSONPathLookup {
    /// The scalar at `path` in `text`; nil when the path is missing, leads into a scalar or ends
    /// at an object or array, or the text is not JSON.
    static func scalar(at path: [String], in text: [UInt8]) -> FilterScalar? {
        text.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            return try? find(path, &reader)
        }
    }

    private static func find(_ path: [String], _ reader: inout JSONReader) throws(JSONSyntaxError) -> FilterScalar? {
        for component in path {
            switch try reader.peekKind() {
            case .object:
                guard try reader.beginContainer(depth: 1) else { return nil }
                var found = false
                repeat {
                    let name = try reader.readMemberName()
                    if Self.name(name, in: reader, is: component) {
                        found = true
                        break
                    }
                    try reader.skipValue(depth: 1)
                } while try reader.nextItem(inObject: true)
                guard found else { return nil }
            case .array:
                guard let index = Int(component), index >= 0, try reader.beginContainer(depth: 1) else { return nil }
                for _ in 0..<index {
                    try reader.skipValue(depth: 1)
                    guard try reader.nextItem(inObject: false) else { return nil }
                }
            default:
                return nil
            }
        }
        return try FilterScalar.read(&reader)
    }

    /// Whether a member name is `component`, as `String` equality says (canonical equivalence),
    /// without making a `String` when it need not: equal bytes are equal, and two ASCII texts
    /// that differ in bytes differ.
    private static func name(_ token: JSONReader.StringToken, in reader: JSONReader, is component: String) -> Bool {
        if case .verbatim(let range) = token {
            let name = UnsafeRawBufferPointer(rebasing: reader.bytes[range])
            var component = component
            let verdict: Bool? = component.withUTF8 { expected in
                if name.elementsEqual(UnsafeRawBufferPointer(expected)) { return true }
                return name.allSatisfy { $0 < 0x80 } && expected.allSatisfy { $0 < 0x80 } ? false : nil
            }
            if let verdict { return verdict }
        }
        return reader.string(of: token) == component
    }
}
