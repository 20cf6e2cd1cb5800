import CZeroMQ

/// CURVE key helpers (libzmq's `zmq_curve_*` and Z85 functions). Keys are 40-character Z85
/// text, as libzmq's tools print them.
public enum ZMQCurve {
    /// Whether this libzmq was built with CURVE (Debian's libzmq5 is, with libsodium).
    public static var isAvailable: Bool { zmq_has("curve") == 1 }

    /// A new key pair.
    public static func keyPair() throws(ZMQError) -> (publicKey: String, secretKey: String) {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return (text(publicKey), text(secretKey))
    }

    /// The public key of a secret key; nil when `secretKey` is not 40 characters of Z85.
    public static func publicKey(secretKey: String) -> String? {
        guard isKey(secretKey) else { return nil }
        var publicKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else { return nil }
        return text(publicKey)
    }

    /// The 32 bytes of a Z85 key, or nil when it is not one.
    public static func decode(_ key: String) -> [UInt8]? {
        guard isKey(key) else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&bytes, key) != nil else { return nil }
        return bytes
    }

    /// Whether `key` is 40 characters of the Z85 alphabet.
    public static func isKey(_ key: String) -> Bool {
        key.utf8.count == 40 && key.utf8.allSatisfy { z85Alphabet.contains($0) }
    }

    private static let z85Alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
