/// The one set of rules every JSON reader in the package follows (ingestd's validator,
/// realtimed's and the Socket.IO parser, exportd's scanner), so a value one process accepts is
/// accepted by every other:
///
/// - RFC 8259 syntax, one value, surrounded by optional whitespace, in valid UTF-8;
/// - at most ``maximumDepth`` levels of arrays and objects;
/// - any number the grammar allows: those beyond `Double` (`1e400`) are kept as their text;
/// - any `\uXXXX` escape: a surrogate without its pair reads as U+FFFD;
/// - control characters (below U+0020) must be escaped inside strings.
public enum JSONPolicy {
    /// The deepest nesting of arrays and objects accepted.
    public static let maximumDepth = 512
}
