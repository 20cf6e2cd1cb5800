/// One JSON value found by ``JSONScanner``: scalars decoded, containers kept as their text.
enum JSONSlice: Equatable {
    /// A string, unescaped, as UTF-8.
    case string([UInt8])
    /// A number, as its JSON text (a range of the scanned text).
    case number(Range<Int>)
    case bool(Bool)
    case null
    /// An object, as the range of its text including the braces.
    case object(Range<Int>)
    /// An array, as the range of its text including the brackets.
    case array(Range<Int>)
}
