extension JSONText {
    private static let base64Alphabet: [UInt8] =
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Appends `bytes` as a JSON string holding their standard base64 encoding (RFC 4648, padded).
    public static func appendBase64String(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        output.reserveCapacity(output.count + (bytes.count + 2) / 3 * 4 + 2)
        output.append(UInt8(ascii: "\""))
        base64Alphabet.withUnsafeBufferPointer { alphabet in
            var index = 0
            let count = bytes.count
            while index + 3 <= count {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
                output.append(alphabet[Int(chunk >> 18 & 0x3F)])
                output.append(alphabet[Int(chunk >> 12 & 0x3F)])
                output.append(alphabet[Int(chunk >> 6 & 0x3F)])
                output.append(alphabet[Int(chunk & 0x3F)])
                index += 3
            }
            let remaining = count - index
            if remaining == 1 {
                let chunk = UInt32(bytes[index]) << 16
                output.append(alphabet[Int(chunk >> 18 & 0x3F)])
                output.append(alphabet[Int(chunk >> 12 & 0x3F)])
                output.append(UInt8(ascii: "="))
                output.append(UInt8(ascii: "="))
            } else if remaining == 2 {
                let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
                output.append(alphabet[Int(chunk >> 18 & 0x3F)])
                output.append(alphabet[Int(chunk >> 12 & 0x3F)])
                output.append(alphabet[Int(chunk >> 6 & 0x3F)])
                output.append(UInt8(ascii: "="))
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
