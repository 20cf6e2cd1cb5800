/// A topic name or a glob pattern (`*` any run of characters, `?` one character) a client
/// subscribes to.
public struct TopicPattern: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as the client sent it.
    public let text: String
    private let characters: [Character]
    /// Whether the pattern has wildcards (else it names one topic).
    public let isGlob: Bool

    public init(_ text: String) {
        self.text = text
        characters = Array(text)
        isGlob = text.contains("*") || text.contains("?")
    }

    public var description: String { text }

    /// Whether `topic` is matched.
    public func matches(_ topic: String) -> Bool {
        guard isGlob else { return topic == text }
        let name = Array(topic)
        // Iterative glob matching with backtracking to the last `*`.
        var p = 0, n = 0, star = -1, mark = 0
        while n < name.count {
            if p < characters.count, characters[p] == "?" || characters[p] == name[n] {
                p += 1
                n += 1
            } else if p < characters.count, characters[p] == "*" {
                star = p
                mark = n
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                n = mark
            } else {
                return false
            }
        }
        while p < characters.count, characters[p] == "*" { p += 1 }
        return p == characters.count
    }
}
