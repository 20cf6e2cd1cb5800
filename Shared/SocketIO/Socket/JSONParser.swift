import JSON

/// Builds ``JSONValue``s from JSON text read under the package's one grammar (``JSONPolicy``).
///
/// Integers that fit in 64 bits become ``JSONValue/int(_:)``, other numbers within `Double`'s
/// range ``JSONValue/double(_:)``, and numbers beyond it keep their text as ``JSONValue/raw(_:)``
/// (so they are written back unchanged). Object member order is kept; duplicate keys are kept
/// as they appear.
public struct JSONParser: Sendable {
    /// The deepest nesting of arrays and objects accepted: ``JSONPolicy/maximumDepth`` unless a
    /// caller bounds untrusted input tighter (Socket.IO packets from clients).
    public var maximumDepth: Int

    /// Creates a parser accepting at most `maximumDepth` levels of nesting.
    public init(maximumDepth: Int = JSONPolicy.maximumDepth) {
        self.maximumDepth = min(maximumDepth, JSONPolicy.maximumDepth)
    }

    /// Parses one JSON value that must span all of `text` (surrounding whitespace allowed).
    public func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(JSONSyntaxError) -> JSONValue in try parse(bytes) }
        }
        return try result.get()
    }

    /// Parses one JSON value that must span all of `bytes` (surrounding whitespace allowed).
    public func parse(_ bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONSyntaxError) -> JSONValue in try parse(buffer) }
        }
        return try result.get()
    }

    /// Parses one JSON value that must span all of `bytes` (surrounding whitespace allowed).
    public func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var reader = JSONReader(UnsafeRawBufferPointer(bytes))
        let value = try readValue(&reader, depth: 0)
        try reader.expectEnd()
        return value
    }

    /// Checks that `bytes` hold exactly one JSON value, without building it.
    public func validate(_ bytes: [UInt8]) throws(JSONSyntaxError) {
        try JSONValidator.validate(bytes)
    }

    private func readValue(_ reader: inout JSONReader, depth: Int) throws(JSONSyntaxError) -> JSONValue {
        switch try reader.peekKind() {
        case .object:
            try checkDepth(depth + 1, reader)
            var members: [(key: String, value: JSONValue)] = []
            guard try reader.beginContainer(depth: depth + 1) else { return .object(members) }
            repeat {
                let name = try reader.readMemberName()
                members.append((key: reader.string(of: name), value: try readValue(&reader, depth: depth + 1)))
            } while try reader.nextItem(inObject: true)
            return .object(members)
        case .array:
            try checkDepth(depth + 1, reader)
            var elements: [JSONValue] = []
            guard try reader.beginContainer(depth: depth + 1) else { return .array(elements) }
            repeat { elements.append(try readValue(&reader, depth: depth + 1)) } while try reader.nextItem(inObject: false)
            return .array(elements)
        case .string:
            return .string(reader.string(of: try reader.readString()))
        case .number:
            let number = try reader.readNumber()
            if let integer = reader.int64(number) { return .int(integer) }
            if let double = reader.double(number) { return .double(double) }
            return .raw(Array(UnsafeRawBufferPointer(rebasing: reader.bytes[number.range])))
        case .true:
            try reader.readLiteral("true")
            return .bool(true)
        case .false:
            try reader.readLiteral("false")
            return .bool(false)
        case .null:
            try reader.readLiteral("null")
            return .null
        }
    }

    private func checkDepth(_ depth: Int, _ reader: JSONReader) throws(JSONSyntaxError) {
        guard depth <= maximumDepth else { throw JSONSyntaxError(.tooDeep, at: reader.index) }
    }
}

extension JSONValue {
    /// Parses JSON text with the default ``JSONParser``.
    public init(parsing text: String) throws(JSONSyntaxError) {
        self = try JSONParser().parse(text)
    }

    /// Parses UTF-8 JSON bytes with the default ``JSONParser``.
    public init(parsing bytes: [UInt8]) throws(JSONSyntaxError) {
        self = try JSONParser().parse(bytes)
    }
}
