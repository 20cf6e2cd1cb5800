import Crypto
import JSON

/// How merchants are named, in exports and on live streams: the id is base64(sha256(token)), as
/// in Price Wars; the token itself is never stored or logged.
public enum MerchantIdentity {
    /// The merchant id of `token`.
    public static func merchantID(token: String) -> String {
        Base64.encode(SHA256.hash(data: Array(token.utf8)))
    }

    /// The hexadecimal SHA-256 of `token`: how operator tokens are kept at rest.
    public static func tokenDigest(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { byte in
            let hex = Array("0123456789abcdef".utf8)
            return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]], as: UTF8.self)
        }.joined()
    }

    /// The token of an `Authorization` header value, as the Price Wars proxy read it: the last
    /// space-separated word, whatever the scheme (`Token <t>`, `Bearer <t>`, `Basic <t>`, `<t>`);
    /// nil when the header is missing or that word is empty (the request is then anonymous).
    public static func token(authorization: String?) -> String? {
        guard let header = authorization,
              let last = header.split(separator: " ", omittingEmptySubsequences: false).last,
              !last.isEmpty else { return nil }
        return String(last)
    }
}
