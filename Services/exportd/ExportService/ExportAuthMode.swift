/// How exportd tells merchants apart (`AUTH_MODE`).
public enum ExportAuthMode: String, Sendable, CaseIterable {
    /// As the Price Wars proxy: any token names the merchant base64(sha256(token)); no token
    /// sees public rows only.
    case token
    /// A JWT is required (the keys and claims of realtimed's `AUTH_MODE=jwt`): its `merchant_id`
    /// names the merchant, its `topics` limit what may be exported; an operator's token exports a
    /// merchant's view with `?merchant=<id>`, else the public rows.
    case jwt
}
