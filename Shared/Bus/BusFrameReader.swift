/// Reads a bus frame front to back (big-endian integers, byte runs); every read checks what is
/// left and throws `overrun` when the frame ends first.
struct BusFrameReader {
    let bytes: [UInt8]
    /// What a read past the end throws (says which frame ended inside what).
    let overrun: BusProtocolError
    /// The next byte to read.
    private(set) var index = 0

    init(_ bytes: [UInt8], overrun: BusProtocolError) {
        self.bytes = bytes
        self.overrun = overrun
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.count - index }

    mutating func bytes(_ count: Int) throws(BusProtocolError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else { throw overrun }
        defer { index += count }
        return bytes[index..<index + count]
    }

    mutating func integer<Integer: FixedWidthInteger>() throws(BusProtocolError) -> Integer {
        let slice = try bytes(MemoryLayout<Integer>.size)
        return slice.withUnsafeBytes { Integer(bigEndian: $0.loadUnaligned(as: Integer.self)) }
    }
}
