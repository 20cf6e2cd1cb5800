import NIOCore

/// Standard base64 (RFC 4648, with padding) for binary packets in polling payloads.
enum EngineBase64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Appends the base64 encoding of `bytes` to `output`.
    static func encode(_ bytes: ByteBuffer, into output: inout ByteBuffer) {
        bytes.withUnsafeReadableBytes { raw in
            output.reserveCapacity(minimumWritableBytes: (raw.count + 2) / 3 * 4)
            var index = 0
            while index + 3 <= raw.count {
                let value = UInt32(raw[index]) << 16 | UInt32(raw[index + 1]) << 8 | UInt32(raw[index + 2])
                output.writeInteger(alphabet[Int(value >> 18 & 63)])
                output.writeInteger(alphabet[Int(value >> 12 & 63)])
                output.writeInteger(alphabet[Int(value >> 6 & 63)])
                output.writeInteger(alphabet[Int(value & 63)])
                index += 3
            }
            let remaining = raw.count - index
            if remaining == 1 {
                let value = UInt32(raw[index]) << 16
                output.writeInteger(alphabet[Int(value >> 18 & 63)])
                output.writeInteger(alphabet[Int(value >> 12 & 63)])
                output.writeStaticString("==")
            } else if remaining == 2 {
                let value = UInt32(raw[index]) << 16 | UInt32(raw[index + 1]) << 8
                output.writeInteger(alphabet[Int(value >> 18 & 63)])
                output.writeInteger(alphabet[Int(value >> 12 & 63)])
                output.writeInteger(alphabet[Int(value >> 6 & 63)])
                output.writeStaticString("=")
            }
        }
    }

    /// The base64 encoding of `bytes` as a string.
    static func encode(_ bytes: ByteBuffer) -> String {
        var output = ByteBuffer()
        encode(bytes, into: &output)
        return String(buffer: output)
    }

    /// Decodes base64 text (padding optional); nil if it is not valid base64.
    static func decode<Bytes: Collection>(_ text: Bytes) -> ByteBuffer? where Bytes.Element == UInt8 {
        var output = ByteBuffer()
        output.reserveCapacity(text.count / 4 * 3 + 3)
        var accumulator: UInt32 = 0
        var bits = 0
        var padding = 0
        for byte in text {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            if padding > 0 { return nil }
            let value = decodeTable[Int(byte)]
            if value == 0xFF { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.writeInteger(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        if padding > 2 || bits >= 6 { return nil }
        return output
    }
}
