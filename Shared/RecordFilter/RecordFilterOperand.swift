/// The right side of a comparison: one scalar, or a list for `in`.
public enum RecordFilterOperand: Sendable, Hashable {
    case scalar(FilterScalar)
    case list([FilterScalar])
}
