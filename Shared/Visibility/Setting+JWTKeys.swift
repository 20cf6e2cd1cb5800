import ServiceSupport

extension Setting {
    /// The key files of `AUTH_MODE=jwt` (realtimed and exportd), declared once. Check them with
    /// ``JWTKeyFiles/validate(jwtEnabled:)``.
    public static func jwtKeys(_ keyPath: WritableKeyPath<Configuration, JWTKeyFiles>) -> [Setting] {
        [
            Setting("JWT_JWKS_FILE", default: "unset",
                    "with `AUTH_MODE=jwt`: a JWKS file (`{\"keys\": [...]}`), every key with its `kid` and an `alg` of HS256, RS256 or ES256 (`oct` keys: HS256 secrets of at least 32 bytes); a token names its key by `kid`",
                    render: { $0[keyPath: keyPath].jwks }, parse: { configuration, text, _ in configuration[keyPath: keyPath].jwks = text }),
            Setting("JWT_PUBLIC_KEY_FILE", default: "unset",
                    "with `AUTH_MODE=jwt`: a PEM public key (RS256 or ES256), for tokens without `kid`",
                    render: { $0[keyPath: keyPath].publicKey },
                    parse: { configuration, text, _ in configuration[keyPath: keyPath].publicKey = text }),
            Setting("JWT_HS256_SECRET_FILE", default: "unset",
                    "with `AUTH_MODE=jwt`: a file whose bytes are the HS256 secret (at least 32), for tokens without `kid`",
                    render: { $0[keyPath: keyPath].hmacSecret },
                    parse: { configuration, text, _ in configuration[keyPath: keyPath].hmacSecret = text }),
        ]
    }
}
