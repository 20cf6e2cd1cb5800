/// How a field is compared with its operand.
public enum RecordFilterOperator: String, Sendable, Hashable, CaseIterable {
    case equal = "="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in` = "in"
    case prefix = "prefix"

    /// Whether `value` (nil: the field is missing or not a scalar) and `operand` are so related.
    /// A missing field fails every comparison but `!=`; comparisons across kinds fail.
    func holds(_ value: FilterScalar?, _ operand: RecordFilterOperand) -> Bool {
        switch (self, operand) {
        case (.in, .list(let items)):
            guard let value else { return false }
            return items.contains { value.equals($0) }
        case (.notEqual, .scalar(let expected)):
            guard let value else { return true }
            return !value.equals(expected)
        case (_, .list):
            return false
        case (_, .scalar(let expected)):
            guard let value else { return false }
            switch self {
            case .equal: return value.equals(expected)
            case .less: return value.compare(expected).map { $0 < 0 } ?? false
            case .lessOrEqual: return value.compare(expected).map { $0 <= 0 } ?? false
            case .greater: return value.compare(expected).map { $0 > 0 } ?? false
            case .greaterOrEqual: return value.compare(expected).map { $0 >= 0 } ?? false
            case .prefix:
                guard case .string(let text) = value, case .string(let start) = expected else { return false }
                return text.unicodeScalars.starts(with: start.unicodeScalars)
            case .notEqual, .in: return false
            }
        }
    }
}
