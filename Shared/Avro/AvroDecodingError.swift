/// Why an Avro datum could not be decoded, and the byte offset where decoding stopped.
public struct AvroDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was wrong with the input.
    public enum Reason: Equatable, Sendable {
        /// The datum ended before the schema said it would.
        case truncated
        /// A variable-length integer ran over 10 bytes or past 64 bits.
        case varintTooLong
        /// An `int` value outside the 32-bit range.
        case intOutOfRange(Int64)
        /// A negative string, bytes, or block size.
        case negativeLength(Int64)
        /// A boolean byte other than 0 or 1.
        case invalidBoolean(UInt8)
        /// A union branch index outside the union.
        case unionBranchOutOfRange(index: Int64, branches: Int)
        /// An enum index outside the symbols.
        case enumIndexOutOfRange(index: Int64, symbols: Int)
        /// An array or map block count that the remaining input cannot hold.
        case blockCountTooLarge(Int64)
        /// Nested values deeper than `AvroJSONDecoder.maximumDepth`.
        case nestingTooDeep
        /// Bytes left over after a complete datum.
        case trailingBytes(count: Int)
        /// The JSON text would exceed the decoder's per-datum bound.
        case outputTooLarge(limit: Int)
    }

    /// What was wrong.
    public let reason: Reason
    /// Offset in the datum where the problem was found.
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch reason {
        case .truncated: what = "datum is truncated"
        case .varintTooLong: what = "variable-length integer is too long"
        case .intOutOfRange(let value): what = "int value \(value) is out of 32-bit range"
        case .negativeLength(let length): what = "negative length \(length)"
        case .invalidBoolean(let byte): what = "invalid boolean byte \(byte)"
        case .unionBranchOutOfRange(let index, let branches):
            what = "union branch \(index) out of range (union has \(branches) branches)"
        case .enumIndexOutOfRange(let index, let symbols):
            what = "enum index \(index) out of range (enum has \(symbols) symbols)"
        case .blockCountTooLarge(let count): what = "array/map block count \(count) exceeds the input"
        case .nestingTooDeep: what = "values nested too deeply"
        case .trailingBytes(let count): what = "\(count) trailing bytes after a complete datum"
        case .outputTooLarge(let limit): what = "its JSON text exceeds the \(limit)-byte limit per datum"
        }
        return "Avro decoding failed at byte \(offset): \(what)"
    }
}
