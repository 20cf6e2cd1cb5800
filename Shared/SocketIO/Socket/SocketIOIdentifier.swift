/// Random identifiers for sockets and recovery sessions.
enum SocketIOIdentifier {
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// A random URL-safe identifier of `length` characters.
    static func random(length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<length { bytes.append(alphabet[Int(generator.next() & 63)]) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
