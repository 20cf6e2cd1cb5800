import Foundation
import ServiceSupport

/// Where a service reads the keys of the JWTs it accepts (realtimed's and exportd's
/// `AUTH_MODE=jwt`): a JWKS, a PEM public key, an HS256 secret; at least one with JWTs on.
public struct JWTKeyFiles: Sendable, Hashable {
    /// A JWKS file, every key with `kid` and `alg` (`JWT_JWKS_FILE`).
    public var jwks: String?
    /// A PEM public key, RS256 or ES256 (`JWT_PUBLIC_KEY_FILE`).
    public var publicKey: String?
    /// A file holding the HS256 secret, at least 32 bytes (`JWT_HS256_SECRET_FILE`).
    public var hmacSecret: String?

    public init(jwks: String? = nil, publicKey: String? = nil, hmacSecret: String? = nil) {
        self.jwks = jwks
        self.publicKey = publicKey
        self.hmacSecret = hmacSecret
    }

    private var named: [(String, String?)] {
        [("JWT_JWKS_FILE", jwks), ("JWT_PUBLIC_KEY_FILE", publicKey), ("JWT_HS256_SECRET_FILE", hmacSecret)]
    }

    /// Throws naming the first setting that cannot be used: files given while JWTs are off,
    /// unreadable files, or none given while they are on.
    public func validate(jwtEnabled: Bool) throws(ConfigurationError) {
        for (name, file) in named {
            guard let file else { continue }
            guard jwtEnabled else { throw ConfigurationError(name, "only used with AUTH_MODE=jwt") }
            guard FileManager.default.isReadableFile(atPath: file) else { throw ConfigurationError(name, "cannot read '\(file)'") }
        }
        if jwtEnabled, named.allSatisfy({ $0.1 == nil }) {
            throw ConfigurationError("AUTH_MODE", "jwt needs JWT_JWKS_FILE, JWT_PUBLIC_KEY_FILE or JWT_HS256_SECRET_FILE")
        }
    }

    /// The verifier of these keys.
    public func load() async throws(JWTAccessVerifier.KeyError) -> JWTAccessVerifier {
        try await JWTAccessVerifier.load(jwksFile: jwks, publicKeyFile: publicKey, hmacSecretFile: hmacSecret)
    }
}
