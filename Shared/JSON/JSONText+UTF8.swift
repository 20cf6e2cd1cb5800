extension JSONText {
    /// Whether `bytes` are entirely valid UTF-8 (no overlongs, surrogates or code points above U+10FFFF).
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            if bytes[index] < 0x80 {
                index += 1
            } else {
                let length = utf8SequenceLength(bytes, at: index)
                if length < 0 { return false }
                index += length
            }
        }
        return true
    }

    /// The length of the valid multi-byte UTF-8 sequence starting at `index` (Unicode table 3-7,
    /// "well-formed UTF-8 byte sequences"), or, when the bytes there are not one, minus the length of
    /// the maximal invalid subpart (what one U+FFFD replaces, as Swift's and browsers' decoders do).
    @inline(__always)
    public static func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let continuationBytes: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch bytes[index] {
        case 0xC2...0xDF: continuationBytes = 1
        case 0xE0: continuationBytes = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: continuationBytes = 2
        case 0xED: continuationBytes = 2; high = 0x9F
        case 0xF0: continuationBytes = 3; low = 0x90
        case 0xF1...0xF3: continuationBytes = 3
        case 0xF4: continuationBytes = 3; high = 0x8F
        default: return -1
        }
        let count = bytes.count
        for offset in 1...continuationBytes {
            guard index + offset < count else { return -offset }
            let byte = bytes[index + offset]
            guard byte >= low && byte <= high else { return -offset }
            low = 0x80
            high = 0xBF
        }
        return continuationBytes + 1
    }
}
