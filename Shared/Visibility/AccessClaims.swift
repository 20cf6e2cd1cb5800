import Foundation
import JWTKit

/// The claims realtimed and exportd read from a JWT: `merchant_id` (a merchant's token) or
/// `operator: true` (sees everything), `exp` and `nbf` (honoured), and optional topic
/// permissions `topics: {"allow": [globs], "deny": [globs]}`.
struct AccessClaims: JWTPayload {
    struct Topics: Codable, Sendable {
        var allow: [String]?
        var deny: [String]?
    }

    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var merchantID: String?
    var isOperator: Bool?
    var topics: Topics?

    enum CodingKeys: String, CodingKey {
        case exp, nbf, topics
        case merchantID = "merchant_id"
        case isOperator = "operator"
    }

    /// Not used: ``JWTAccessVerifier`` checks the signature and the times itself, synchronously.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
