/// One sensor value, of the types the solar plant's DataRecord map holds.
public enum SensorValue: Equatable, Sendable {
    case string(String)
    case float(Float)
    case long(Int64)
    case int(Int32)
    case boolean(Bool)

    /// The index of this value's type in the DataRecord map's union
    /// `["string", "bytes", "float", "long", "int", "boolean"]`.
    public var unionBranch: Int {
        switch self {
        case .string: return 0
        case .float: return 2
        case .long: return 3
        case .int: return 4
        case .boolean: return 5
        }
    }

    /// The value as a number (booleans as 0 or 1), or nil for text.
    public var numericValue: Double? {
        switch self {
        case .string: return nil
        case .float(let value): return Double(value)
        case .long(let value): return Double(value)
        case .int(let value): return Double(value)
        case .boolean(let value): return value ? 1 : 0
        }
    }
}
