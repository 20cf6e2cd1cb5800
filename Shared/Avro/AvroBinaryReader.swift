/// A bounds-checked cursor over one Avro binary datum. Every read checks the remaining length
/// first, so garbage input ends in an error and never in a read past the buffer.
struct AvroBinaryReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    /// A zig-zag variable-length `long`.
    @inline(__always)
    mutating func readLong() throws(AvroDecodingError) -> Int64 {
        var raw: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw AvroDecodingError(.truncated, at: offset) }
            let byte = bytes[offset]
            offset += 1
            if shift == 63 && byte > 1 { throw AvroDecodingError(.varintTooLong, at: offset - 1) }
            raw |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            if shift > 63 { throw AvroDecodingError(.varintTooLong, at: offset - 1) }
        }
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// A zig-zag variable-length `int`.
    @inline(__always)
    mutating func readInt() throws(AvroDecodingError) -> Int32 {
        let start = offset
        let value = try readLong()
        guard let int = Int32(exactly: value) else { throw AvroDecodingError(.intOutOfRange(value), at: start) }
        return int
    }

    /// A length prefix (strings, bytes), checked against the remaining input.
    @inline(__always)
    mutating func readLength() throws(AvroDecodingError) -> Int {
        let start = offset
        let length = try readLong()
        guard length >= 0 else { throw AvroDecodingError(.negativeLength(length), at: start) }
        guard length <= Int64(remaining) else { throw AvroDecodingError(.truncated, at: start) }
        return Int(length)
    }

    /// The next `count` bytes, without copying.
    @inline(__always)
    mutating func readBytes(_ count: Int) throws(AvroDecodingError) -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else { throw AvroDecodingError(.truncated, at: offset) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        offset += count
        return slice
    }

    @inline(__always)
    mutating func readByte() throws(AvroDecodingError) -> UInt8 {
        guard offset < bytes.count else { throw AvroDecodingError(.truncated, at: offset) }
        let byte = bytes[offset]
        offset += 1
        return byte
    }

    /// A little-endian 32-bit float.
    @inline(__always)
    mutating func readFloat() throws(AvroDecodingError) -> Float {
        let raw = try readBytes(4)
        return Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
    }

    /// A little-endian 64-bit double.
    @inline(__always)
    mutating func readDouble() throws(AvroDecodingError) -> Double {
        let raw = try readBytes(8)
        return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
    }
}
