/// A scalar a filter compares: what a field holds, or an operand.
public enum FilterScalar: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
}

extension FilterScalar {
    /// Equality as filters see it: same kind and same value (numbers numerically).
    func equals(_ other: FilterScalar) -> Bool {
        switch (self, other) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.string(a), .string(b)): a == b
        default: false
        }
    }

    /// Order of two numbers or two strings (strings by Unicode scalar values); nil across kinds.
    func compare(_ other: FilterScalar) -> Int? {
        switch (self, other) {
        case let (.number(a), .number(b)): return a < b ? -1 : (a > b ? 1 : 0)
        case let (.string(a), .string(b)):
            if a == b { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1
        default: return nil
        }
    }
}
