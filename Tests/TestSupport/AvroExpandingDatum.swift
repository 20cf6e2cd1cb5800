import Avro

/// Hostile Avro input shared by the decoder's tests and the process tests.
public enum AvroExpandingDatum {
    /// `array<array<null>>` with `outer` inner arrays of the most zero-size items a block may
    /// hold: about 4 bytes in, 327 KB of JSON out, per inner array.
    public static func nestedNullArrays(outer: Int) -> [UInt8] {
        func long(_ value: Int64) -> [UInt8] {
            var raw = UInt64(bitPattern: (value << 1) ^ (value >> 63))
            var bytes: [UInt8] = []
            while raw >= 0x80 { bytes.append(UInt8(raw & 0x7F) | 0x80); raw >>= 7 }
            return bytes + [UInt8(raw)]
        }
        let inner = long(Int64(AvroJSONDecoder.maximumZeroSizeItems)) + [0]
        return long(Int64(outer)) + Array([[UInt8]](repeating: inner, count: outer).joined()) + [0]
    }
}
