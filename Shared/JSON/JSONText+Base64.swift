extension JSONText {
    /// Appends `bytes` as a JSON string holding their standard base64 encoding (RFC 4648, padded).
    public static func appendBase64String(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        output.reserveGrowing(Base64.encodedLength(bytes.count) + 2)
        output.append(UInt8(ascii: "\""))
        Base64.encode(bytes, into: &output)
        output.append(UInt8(ascii: "\""))
    }
}
