extension Array where Element == UInt8 {
    /// Makes room for `extra` more bytes, at least doubling the capacity when it grows.
    ///
    /// `reserveCapacity` alone grows to exactly what is asked: called once per value appended to
    /// a full buffer, it would copy the whole buffer for every value (quadratic in the output).
    @inlinable
    public mutating func reserveGrowing(_ extra: Int) {
        let needed = count + extra
        if needed > capacity { reserveCapacity(Swift.max(needed, capacity * 2)) }
    }
}
