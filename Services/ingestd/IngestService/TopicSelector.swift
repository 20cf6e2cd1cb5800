/// Decides which topics ingestd consumes: names the allowed pattern matches anywhere (like the
/// solar gateway's Python `re.search`; anchor with `^`/`$` for the whole name), never internal
/// topics (names starting with `_`).
public struct TopicSelector: @unchecked Sendable {
    // Regex is immutable once built; it is only read here.
    private let regex: Regex<AnyRegexOutput>
    /// The pattern as configured.
    public let pattern: String

    public init(pattern: String) throws(IngestConfigurationError) {
        do {
            regex = try Regex(pattern)
        } catch {
            throw IngestConfigurationError("ALLOWED_TOPICS_REGEX", "'\(pattern)' is not a valid regular expression: \(error)")
        }
        self.pattern = pattern
    }

    /// Whether `topic` is consumed.
    public func accepts(_ topic: String) -> Bool {
        guard !topic.hasPrefix("_"), !topic.isEmpty else { return false }
        return (try? regex.firstMatch(in: topic)) != nil
    }
}
