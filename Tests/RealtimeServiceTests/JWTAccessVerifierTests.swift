import Crypto
import _CryptoExtras
import Foundation
import TestSupport
import Testing
import Visibility

/// `AUTH_MODE=jwt`'s verifier (issue 18): HS256, RS256 and ES256 from each kind of key file;
/// expired, not-yet-valid, tampered, `alg: none`, HS/RS-confused and unknown-key tokens refused.
@Suite struct JWTAccessVerifierTests {
    let secret = Data((0..<32).map { UInt8($0 &* 7 &+ 3) })
    let es256 = P256.Signing.PrivateKey()
    let rs256: _RSA.Signing.PrivateKey

    init() throws {
        rs256 = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    func jwks() -> String {
        let point = es256.publicKey.rawRepresentation
        let rsa = try! rs256.publicKey.getKeyPrimitives()
        let keys: [[String: Any]] = [
            ["kty": "oct", "kid": "shared", "alg": "HS256", "k": TestJWT.base64URL(secret)],
            ["kty": "EC", "kid": "ec", "alg": "ES256", "crv": "P-256",
             "x": TestJWT.base64URL(point.prefix(32)), "y": TestJWT.base64URL(point.suffix(32))],
            ["kty": "RSA", "kid": "rsa", "alg": "RS256", "n": TestJWT.base64URL(rsa.modulus), "e": TestJWT.base64URL(rsa.publicExponent)],
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: ["keys": keys]), as: UTF8.self)
    }

    @Test func eachAlgorithmFromAJWKSNamesTheMerchantOrTheOperator() async throws {
        let verifier = try await JWTAccessVerifier.load(jwksFile: try TestJWT.file(jwks()))
        let claims: [String: Any] = ["merchant_id": "m1", "exp": TestJWT.time(60),
                                     "topics": ["allow": ["buy*"], "deny": ["buySecret"]]]
        for (key, kid) in [(TestJWT.Key.hs256(secret), "shared"), (.es256(es256), "ec"), (.rs256(rs256), "rsa")] {
            let grant = try verifier.verify(try TestJWT.token(claims, key: key, kid: kid))
            #expect(grant.viewer == .merchant("m1"))
            #expect(grant.topics.permits("buyOffer") && !grant.topics.permits("buySecret") && !grant.topics.permits("sales"))
            #expect(grant.expires.map { abs($0.timeIntervalSinceNow - 60) < 5 } == true)
        }
        let operatorGrant = try verifier.verify(try TestJWT.token(["operator": true], key: .es256(es256), kid: "ec"))
        #expect(operatorGrant.viewer == .operator && operatorGrant.topics.permitsAll && operatorGrant.expires == nil)
    }

    @Test func aPEMKeyOrASecretFileServesTokensWithoutKid() async throws {
        let pem = try await JWTAccessVerifier.load(publicKeyFile: try TestJWT.file(es256.publicKey.pemRepresentation))
        #expect(try pem.verify(try TestJWT.token(["merchant_id": "m2"], key: .es256(es256))).viewer == .merchant("m2"))
        let rsa = try await JWTAccessVerifier.load(publicKeyFile: try TestJWT.file(rs256.publicKey.pemRepresentation))
        #expect(try rsa.verify(try TestJWT.token(["merchant_id": "m3"], key: .rs256(rs256))).viewer == .merchant("m3"))
        let hmac = try await JWTAccessVerifier.load(hmacSecretFile: try TestJWT.file(String(repeating: "s", count: 40)))
        #expect(try hmac.verify(try TestJWT.token(["merchant_id": "m4"], key: .hs256(Data(String(repeating: "s", count: 40).utf8))))
            .viewer == .merchant("m4"))
        await #expect(throws: JWTAccessVerifier.KeyError.self) {
            _ = try await JWTAccessVerifier.load(hmacSecretFile: try TestJWT.file("short"))
        }
    }

    @Test func hostileTokensAreRefusedWithTheirCode() async throws {
        let verifier = try await JWTAccessVerifier.load(jwksFile: try TestJWT.file(jwks()))
        let rsaPEM = try await JWTAccessVerifier.load(publicKeyFile: try TestJWT.file(rs256.publicKey.pemRepresentation))
        func code(_ verifier: JWTAccessVerifier, _ token: String) -> JWTAccessError.Code? {
            do {
                _ = try verifier.verify(token)
                return nil
            } catch {
                return error.code
            }
        }
        let good = try TestJWT.token(["merchant_id": "m1"], key: .es256(es256), kid: "ec")
        var parts = good.split(separator: ".").map(String.init)
        parts[1] = TestJWT.base64URL(Data(#"{"merchant_id":"m2"}"#.utf8))
        #expect(code(verifier, parts.joined(separator: ".")) == .badSignature, "tampered payload")
        #expect(code(verifier, try TestJWT.token(["merchant_id": "m1"], key: .unsigned, kid: "ec")) == .algorithmRefused, "alg none")
        #expect(code(verifier, try TestJWT.token(["merchant_id": "m1"], key: .es256(es256), alg: "RS256", kid: "ec")) == .algorithmRefused)
        // HS/RS confusion: an HS256 token keyed with the RSA public key's PEM.
        let confused = try TestJWT.token(["merchant_id": "m1"], key: .hmacWith(Data(rs256.publicKey.pemRepresentation.utf8)))
        #expect(code(rsaPEM, confused) == .algorithmRefused)
        #expect(code(verifier, try TestJWT.token(["merchant_id": "m1"], key: .es256(es256), kid: "nope")) == .unknownKey)
        #expect(code(verifier, try TestJWT.token(["merchant_id": "m1"], key: .es256(es256))) == .unknownKey, "no kid, three keys")
        #expect(code(verifier, try TestJWT.token(["merchant_id": "m1", "exp": TestJWT.time(-1)], key: .es256(es256), kid: "ec")) == .expired)
        #expect(code(verifier, try TestJWT.token(["merchant_id": "m1", "nbf": TestJWT.time(60)], key: .es256(es256), kid: "ec")) == .notYetValid)
        #expect(code(verifier, try TestJWT.token(["sub": "x"], key: .es256(es256), kid: "ec")) == .noIdentity)
        #expect(code(verifier, "not.a.jwt") == .malformed)
        #expect(code(verifier, "") == .malformed)
    }

    @Test(arguments: [("buy*", "buyOffer", true), ("buy*", "sellOffer", false), ("a?c", "abc", true), ("*", "", true),
                      ("*a*b*c*", "xxaxxbxxc", true), ("*a*b*c*d", String(repeating: "a", count: 2000), false)])
    func topicGlobs(pattern: String, topic: String, matches: Bool) {
        #expect(TopicPermissions(allow: [pattern], deny: []).permits(topic) == matches)
    }
}
