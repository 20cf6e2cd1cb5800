import JSON
import Crypto

/// How exportd names a merchant: the id is base64(sha256(token)), as in Price Wars; the token
/// itself is never stored or logged.
enum MerchantIdentity {
    /// The merchant id of `token`.
    static func merchantID(token: String) -> String {
        let digest = SHA256.hash(data: Array(token.utf8))
        return Base64.encode(digest)
    }

    /// The token of an `Authorization` header value, as the Price Wars proxy read it: the last
    /// space-separated word, whatever the scheme (`Token <t>`, `Bearer <t>`, `Basic <t>`, `<t>`);
    /// nil when the header is missing or that word is empty (the request is then anonymous and
    /// sees public rows only).
    static func token(authorization: String?) -> String? {
        guard let header = authorization,
              let last = header.split(separator: " ", omittingEmptySubsequences: false).last,
              !last.isEmpty else { return nil }
        return String(last)
    }
}
