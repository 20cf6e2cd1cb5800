import Foundation
import JSON
import JWTKit

/// Verifies the JWTs of `AUTH_MODE=jwt` (realtimed) and exportd's: HS256, RS256 and ES256, keys
/// from a JWKS file (each key with its `kid` and `alg`), a PEM public key file (RS256 or ES256)
/// or an HS256 secret file; `exp` and `nbf` honoured; `alg: none` and a token whose `alg` is not
/// its key's (HS/RS confusion) refused.
///
/// The keys are loaded once (``load(jwksFile:publicKeyFile:hmacSecretFile:)``, async because
/// jwt-kit builds them in its key collection); verifying is synchronous, so a Socket.IO
/// middleware can call it on its event loop.
public struct JWTAccessVerifier: Sendable {
    /// The algorithms accepted.
    public static let algorithms: Set<String> = ["HS256", "RS256", "ES256"]

    private let keys: [String: any JWTAlgorithm]
    private let defaultKey: (any JWTAlgorithm)?

    /// Why the keys cannot be loaded.
    public struct KeyError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Loads the keys of the files given (at least one).
    public static func load(jwksFile: String? = nil, publicKeyFile: String? = nil,
                            hmacSecretFile: String? = nil) async throws(KeyError) -> JWTAccessVerifier {
        let collection = JWTKeyCollection()
        var keys: [String: any JWTAlgorithm] = [:]
        var unnamed: [any JWTAlgorithm] = []
        do {
            if let jwksFile {
                // jwt-kit reads RSA and EC keys; symmetric (`oct`) ones are read here.
                guard let object = try JSONSerialization.jsonObject(with: try read(jwksFile)) as? [String: Any],
                      let list = object["keys"] as? [[String: Any]] else {
                    throw KeyError(description: "'\(jwksFile)' is not a JWKS ({\"keys\": [...]})")
                }
                for entry in list {
                    guard let kid = entry["kid"] as? String, let alg = entry["alg"] as? String, algorithms.contains(alg) else {
                        throw KeyError(description: "every key of '\(jwksFile)' needs a kid and an alg of HS256, RS256 or ES256")
                    }
                    let identifier = JWKIdentifier(string: kid)
                    if entry["kty"] as? String == "oct" {
                        guard alg == "HS256", let k = entry["k"] as? String, let secret = base64URLDecoded(k), secret.count >= 32 else {
                            throw KeyError(description: "key \(kid) of '\(jwksFile)': an oct key is HS256 with a k of at least 32 bytes")
                        }
                        await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: identifier)
                    } else {
                        let jwk = try JSONDecoder().decode(JWK.self, from: try JSONSerialization.data(withJSONObject: entry))
                        try await collection.add(jwk: jwk)
                    }
                    keys[kid] = try await collection.getKey(for: identifier, alg: alg)
                }
            }
            if let publicKeyFile {
                let pem = String(decoding: try read(publicKeyFile), as: UTF8.self)
                let kid = JWKIdentifier(string: "\u{0}pem")
                if let key = try? ES256PublicKey(pem: pem) {
                    await collection.add(ecdsa: key, kid: kid)
                } else {
                    await collection.add(rsa: try Insecure.RSA.PublicKey(pem: pem), digestAlgorithm: .sha256, kid: kid)
                }
                unnamed.append(try await collection.getKey(for: kid))
            }
            if let hmacSecretFile {
                let secret = try read(hmacSecretFile)
                guard secret.count >= 32 else { throw KeyError(description: "the HS256 secret in '\(hmacSecretFile)' has fewer than 32 bytes") }
                let kid = JWKIdentifier(string: "\u{0}hmac")
                await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: kid)
                unnamed.append(try await collection.getKey(for: kid))
            }
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError(description: "\(error)")
        }
        guard !keys.isEmpty || !unnamed.isEmpty else { throw KeyError(description: "no key given") }
        let all = Array(keys.values) + unnamed
        return JWTAccessVerifier(keys: keys, defaultKey: all.count == 1 ? all[0] : unnamed.count == 1 ? unnamed[0] : nil)
    }

    /// base64url (the URL-safe alphabet, padding optional) decoded.
    static func base64URLDecoded<Text: Collection<UInt8>>(_ text: Text) -> [UInt8]? {
        Base64.decode(text.map { $0 == UInt8(ascii: "-") ? UInt8(ascii: "+") : $0 == UInt8(ascii: "_") ? UInt8(ascii: "/") : $0 })
    }

    private static func base64URLDecoded(_ text: String) -> [UInt8]? { base64URLDecoded(Array(text.utf8)) }

    private static func read(_ path: String) throws(KeyError) -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyError(description: "cannot read '\(path)'") }
        return data
    }

    private init(keys: [String: any JWTAlgorithm], defaultKey: (any JWTAlgorithm)?) {
        self.keys = keys
        self.defaultKey = defaultKey
    }

    /// Verifies `token` at `now` and returns what it grants.
    public func verify(_ token: String, now: Date = Date()) throws(JWTAccessError) -> AccessGrant {
        let parser = DefaultJWTParser()
        let bytes = Array(token.utf8)
        let header: JWTHeader, claims: AccessClaims
        let signed: ArraySlice<UInt8>, signature: [UInt8]
        do {
            let parts = try parser.getTokenParts(bytes)
            signed = bytes[..<(parts.header.count + 1 + parts.payload.count)]
            guard let decoded = Self.base64URLDecoded(parts.signature) else {
                throw JWTAccessError(.malformed, "the signature is not base64url")
            }
            signature = decoded
            (header, claims, _) = try parser.parse(bytes, as: AccessClaims.self)
        } catch let error as JWTAccessError {
            throw error
        } catch {
            throw JWTAccessError(.malformed, "not a JWT of ours: \(error)")
        }
        guard let alg = header.alg, Self.algorithms.contains(alg) else {
            throw JWTAccessError(.algorithmRefused, "alg \(header.alg ?? "missing") is not one of HS256, RS256, ES256")
        }
        let key: any JWTAlgorithm
        if let kid = header.kid {
            guard let found = keys[kid] else { throw JWTAccessError(.unknownKey, "no key with kid \(kid)") }
            key = found
        } else {
            guard let found = defaultKey else { throw JWTAccessError(.unknownKey, "no kid, and not exactly one key") }
            key = found
        }
        guard key.name == alg else { throw JWTAccessError(.algorithmRefused, "alg \(alg) is not its key's (\(key.name))") }
        guard (try? key.verify(signature, signs: signed)) == true else {
            throw JWTAccessError(.badSignature, "the signature does not verify")
        }
        if let exp = claims.exp, exp.value <= now { throw JWTAccessError(.expired, "expired at \(exp.value)") }
        if let nbf = claims.nbf, nbf.value > now { throw JWTAccessError(.notYetValid, "not valid before \(nbf.value)") }
        let viewer: Viewer
        if claims.isOperator == true {
            viewer = .operator
        } else if let merchant = claims.merchantID, !merchant.isEmpty {
            viewer = .merchant(merchant)
        } else {
            throw JWTAccessError(.noIdentity, "neither merchant_id nor operator: true")
        }
        return AccessGrant(viewer: viewer, expires: claims.exp?.value,
                           topics: TopicPermissions(allow: claims.topics?.allow, deny: claims.topics?.deny ?? []))
    }
}
