import Crypto
import _CryptoExtras
import Foundation

/// JWTs made by hand for the tests, so hostile ones (`alg: none`, HS/RS confusion, tampered)
/// are as easy as good ones.
public enum TestJWT {
    public enum Key {
        case hs256(Data)
        case es256(P256.Signing.PrivateKey)
        case rs256(_RSA.Signing.PrivateKey)
        /// Signs with HMAC-SHA256 keyed by these bytes, whatever `alg` the header says.
        case hmacWith(Data)
        case unsigned
    }

    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func token(_ claims: [String: Any], key: Key, alg: String? = nil, kid: String? = nil) throws -> String {
        var header: [String: Any] = ["typ": "JWT"]
        switch key {
        case .hs256, .hmacWith: header["alg"] = "HS256"
        case .es256: header["alg"] = "ES256"
        case .rs256: header["alg"] = "RS256"
        case .unsigned: header["alg"] = "none"
        }
        if let alg { header["alg"] = alg }
        if let kid { header["kid"] = kid }
        let signed = base64URL(try JSONSerialization.data(withJSONObject: header)) + "."
            + base64URL(try JSONSerialization.data(withJSONObject: claims))
        let data = Data(signed.utf8)
        let signature: Data
        switch key {
        case .hs256(let secret), .hmacWith(let secret):
            signature = Data(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: secret)))
        case .es256(let privateKey):
            signature = try privateKey.signature(for: data).rawRepresentation
        case .rs256(let privateKey):
            signature = try privateKey.signature(for: data, padding: .insecurePKCS1v1_5).rawRepresentation
        case .unsigned:
            signature = Data()
        }
        return signed + "." + base64URL(signature)
    }

    /// Seconds since the epoch, `offset` from now.
    public static func time(_ offset: TimeInterval) -> Int { Int(Date().timeIntervalSince1970 + offset) }

    /// Writes `text` to a new temporary file and returns its path.
    public static func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("jwt-\(UUID().uuidString)")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
