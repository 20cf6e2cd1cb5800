/// Why a JWT is refused, by code (the message is for logs, never shown with the token).
public struct JWTAccessError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Code: String, Sendable {
        /// Not three base64url parts, or a header or payload that does not decode.
        case malformed
        /// `alg` is `none`, not one of HS256, RS256, ES256, or not the algorithm of its key.
        case algorithmRefused = "algorithm-refused"
        /// No key with the token's `kid` (or several keys and no `kid`).
        case unknownKey = "unknown-key"
        /// The signature does not verify.
        case badSignature = "bad-signature"
        /// `exp` has passed.
        case expired
        /// `nbf` is still ahead.
        case notYetValid = "not-yet-valid"
        /// Neither `merchant_id` nor `operator: true`.
        case noIdentity = "no-identity"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code.rawValue)]" }
}
