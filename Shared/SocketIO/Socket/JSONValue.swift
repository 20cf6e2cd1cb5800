import JSON
import NIOCore

/// A JSON value as carried by Socket.IO event arguments and acknowledgements.
///
/// Besides the JSON types it has two Socket.IO specific cases:
/// - ``binary(_:)`` holds a binary attachment; the codec sends it as a separate Engine.IO binary
///   message and puts a `{"_placeholder":true,"num":n}` object in its place in the JSON text.
/// - ``raw(_:)`` holds JSON text that is already encoded (for example a record taken from the bus);
///   the serializer copies its bytes verbatim, so it is never parsed again. The caller promises the
///   bytes are one valid JSON value.
///
/// Objects keep the order of their members.
public enum JSONValue: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number without fraction or exponent that fits in 64 bits.
    case int(Int64)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object; members in their order of appearance.
    case object([(key: String, value: JSONValue)])
    /// A binary attachment.
    case binary(ByteBuffer)
    /// Pre-encoded JSON text, written verbatim by the serializer.
    case raw([UInt8])
}

extension JSONValue {
    /// The member `key` of an object (the first one with that key), or nil.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, if this is an integer (or a double with an exact integer value).
    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d):
            guard d.rounded() == d, let exact = Int64(exactly: d) else { return nil }
            return exact
        default: return nil
        }
    }

    /// The number as a double, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The bool, if this is a bool.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The members, if this is an object.
    public var objectValue: [(key: String, value: JSONValue)]? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The bytes, if this is a binary attachment.
    public var binaryValue: ByteBuffer? {
        if case .binary(let b) = self { return b }
        return nil
    }

    /// Whether this is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Whether this value or anything inside it is a binary attachment.
    public var containsBinary: Bool {
        switch self {
        case .binary: return true
        case .array(let elements): return elements.contains(where: { $0.containsBinary })
        case .object(let members): return members.contains(where: { $0.value.containsBinary })
        default: return false
        }
    }
}

extension JSONValue {
    /// Pre-encoded JSON text, checked once with ``JSONParser`` (use ``raw(_:)`` directly when the
    /// producer already guarantees valid JSON, e.g. records encoded by our own serializer).
    public static func raw(validating bytes: [UInt8]) throws(JSONSyntaxError) -> JSONValue {
        try JSONParser().validate(bytes)
        return .raw(bytes)
    }
}

extension JSONValue: Equatable {
    /// Structural equality; object members are compared in order, `.raw` compares bytes, and
    /// `.int(1)` differs from `.double(1)`.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where x.key != y.key || x.value != y.value { return false }
            return true
        case (.binary(let a), .binary(let b)): return a == b
        case (.raw(let a), .raw(let b)): return a == b
        default: return false
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    /// `nil` is `null`.
    public init(nilLiteral: ()) { self = .null }
    /// A Bool literal.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer literal.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A floating-point literal.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// A string literal.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array literal.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// A dictionary literal; members keep their written order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}
