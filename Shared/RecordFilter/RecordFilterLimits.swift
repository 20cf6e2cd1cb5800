/// Bounds on a filter, so a hostile one is refused before it costs anything.
public struct RecordFilterLimits: Sendable, Hashable {
    /// Longest filter text, in bytes.
    public var maximumBytes = 4096
    /// Deepest nesting of `and`, `or`, `not` and parentheses.
    public var maximumDepth = 16
    /// Most comparisons and combinators in one filter.
    public var maximumNodes = 128
    /// Most items in one `in` list.
    public var maximumListItems = 256
    /// Most parts in one field path.
    public var maximumPathParts = 16

    public init() {}
}
