/// Who may connect to realtimed and what each client sees (`AUTH_MODE`).
public enum RealtimeAuthMode: String, Sendable, CaseIterable {
    /// Anyone, and every client sees every record: the seeds' behaviour.
    case none
    /// Clients present a token. A merchant token (any token not listed as an operator's) sees
    /// public records and its merchant's own, as exportd's export does; an operator token (listed
    /// in `OPERATOR_TOKENS_FILE`, hashed) sees everything.
    case token
}
