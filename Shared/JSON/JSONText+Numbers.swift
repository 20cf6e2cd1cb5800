extension JSONText {
    /// Appends a decimal integer.
    public static func appendInteger(_ value: Int64, to output: inout [UInt8]) {
        if value == 0 {
            output.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { output.append(UInt8(ascii: "-")) }
        // 20 digits hold UInt64.max.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var position = 20
            while magnitude > 0 {
                position -= 1
                digits[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[position..<20]))
        }
    }

    /// Appends a double as a JSON number in its shortest round-trip form (`1.5`, `1e-05`, `1e+20`);
    /// NaN and infinities, which JSON cannot express, become `null`.
    public static func appendDouble(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: nullLiteral)
            return
        }
        // Swift's description is the shortest representation that round-trips, and it is always a
        // valid JSON number for finite values. Short results are small strings (no allocation).
        appendASCII(value.description, to: &output)
    }

    /// Appends a float as a JSON number in the shortest form that round-trips to the same `Float`
    /// (`0.1`, not `0.10000000149011612`); NaN and infinities become `null`.
    public static func appendFloat(_ value: Float, to output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: nullLiteral)
            return
        }
        appendASCII(value.description, to: &output)
    }

    /// Appends a number's text in one copy (a third faster than through its `utf8` view).
    @inline(__always)
    private static func appendASCII(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { output.append(contentsOf: $0) }
    }

    /// `null`.
    public static let nullLiteral: [UInt8] = Array("null".utf8)
    /// `true`.
    public static let trueLiteral: [UInt8] = Array("true".utf8)
    /// `false`.
    public static let falseLiteral: [UInt8] = Array("false".utf8)
}
