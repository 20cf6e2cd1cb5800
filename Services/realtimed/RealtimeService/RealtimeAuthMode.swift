/// Who may connect to realtimed and what each client sees (`AUTH_MODE`).
public enum RealtimeAuthMode: String, Sendable, CaseIterable {
    /// Anyone, and every client sees every record: the seeds' behaviour.
    case none
    /// Clients present a token. A merchant token (any token not listed as an operator's) sees
    /// public records and its merchant's own, as exportd's export does; an operator token (listed
    /// in `OPERATOR_TOKENS_FILE`, hashed) sees everything.
    case token
    /// Clients present a JWT (HS256, RS256 or ES256, keys from `JWT_JWKS_FILE`,
    /// `JWT_PUBLIC_KEY_FILE` or `JWT_HS256_SECRET_FILE`): its `merchant_id` claim names the
    /// merchant, `operator: true` an operator; `exp` and `nbf` are honoured (a connection closes
    /// when its token expires unless a `refresh` event brought a new one), and `topics`
    /// (`{"allow": [globs], "deny": [globs]}`) limits what it sees.
    case jwt
}
