/// Why an `AvroValue` could not be encoded for a schema. `path` locates the value (`$.data["k"]`).
public enum AvroEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The value's kind does not fit the schema type there.
    case typeMismatch(path: String, expected: String, found: String)
    /// A record field of the schema was not given.
    case missingField(path: String, name: String)
    /// A record field was given that the schema does not have.
    case unknownField(path: String, name: String)
    /// An enum symbol the schema does not list.
    case unknownEnumSymbol(path: String, symbol: String)
    /// A union branch index outside the union.
    case unionBranchOutOfRange(path: String, branch: Int, branches: Int)
    /// A `fixed` value of the wrong length.
    case fixedSizeMismatch(path: String, expected: Int, found: Int)
    /// avro-c reported a failure (its message).
    case avro(path: String, message: String)

    public var description: String {
        switch self {
        case .typeMismatch(let path, let expected, let found):
            return "Avro encoding failed at \(path): schema expects \(expected), value is \(found)"
        case .missingField(let path, let name):
            return "Avro encoding failed at \(path): record field '\(name)' is missing"
        case .unknownField(let path, let name):
            return "Avro encoding failed at \(path): record has no field '\(name)'"
        case .unknownEnumSymbol(let path, let symbol):
            return "Avro encoding failed at \(path): enum has no symbol '\(symbol)'"
        case .unionBranchOutOfRange(let path, let branch, let branches):
            return "Avro encoding failed at \(path): union branch \(branch) out of range (\(branches) branches)"
        case .fixedSizeMismatch(let path, let expected, let found):
            return "Avro encoding failed at \(path): fixed size is \(expected), value has \(found) bytes"
        case .avro(let path, let message):
            return "Avro encoding failed at \(path): \(message)"
        }
    }
}
