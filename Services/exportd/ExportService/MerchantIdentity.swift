import Crypto

/// How exportd names a merchant: the id is base64(sha256(token)), as in Price Wars; the token
/// itself is never stored or logged.
enum MerchantIdentity {
    /// The merchant id of `token`.
    static func merchantID(token: String) -> String {
        let digest = SHA256.hash(data: Array(token.utf8))
        return base64(Array(digest))
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

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding.
    static func base64(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let n = UInt32(bytes[index]) << 16
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], UInt8(ascii: "="), UInt8(ascii: "=")]
        } else if rest == 2 {
            let n = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            out += [alphabet[Int(n >> 18 & 63)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], UInt8(ascii: "=")]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
