/// Which topics a token may see: topic names or glob patterns (`*` any run of characters, `?`
/// one character) allowed (nil: every topic) and denied (deny wins).
public struct TopicPermissions: Sendable, Hashable {
    /// Allowed patterns; nil allows every topic.
    public var allow: [String]?
    /// Denied patterns.
    public var deny: [String]

    /// Every topic.
    public static let all = TopicPermissions(allow: nil, deny: [])

    public init(allow: [String]?, deny: [String]) {
        self.allow = allow
        self.deny = deny
    }

    /// Whether `topic` may be seen.
    public func permits(_ topic: String) -> Bool {
        if deny.contains(where: { Self.glob($0, matches: topic) }) { return false }
        guard let allow else { return true }
        return allow.contains { Self.glob($0, matches: topic) }
    }

    /// Whether every topic may be seen.
    public var permitsAll: Bool { allow == nil && deny.isEmpty }

    /// Glob matching by Unicode scalars, linear in pattern times text (no backtracking blow-up).
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern.unicodeScalars), t = Array(text.unicodeScalars)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || (p[pi] != "*" && p[pi] == t[ti]) {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
