extension Array where Element == UInt8 {
    /// Appends `value` in big-endian byte order, as every integer of the bus's frames is written.
    mutating func appendBigEndian<Integer: FixedWidthInteger>(_ value: Integer) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
