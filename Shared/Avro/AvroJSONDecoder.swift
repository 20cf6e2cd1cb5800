import JSON

/// Decodes Avro binary datums straight into JSON text, for one writer schema.
///
/// The JSON is what the replaced Python services sent to their clients:
/// - records become objects with the schema's field order, maps become objects, arrays arrays;
/// - union values are unwrapped (no `{"string": ...}` wrapper), the null branch is `null`;
/// - enums become their symbol string;
/// - `bytes` and `fixed` become a string of their UTF-8 text when valid UTF-8, else a string of
///   their base64 encoding (standard alphabet, padded);
/// - `string` values are escaped; invalid UTF-8 in them is replaced by U+FFFD;
/// - `int`/`long` are integers, `boolean` is `true`/`false`;
/// - `float`/`double` are numbers in their shortest round-trip form (a `float` in the form that
///   round-trips to the same 32-bit value), NaN and infinities become `null`.
///
/// Decoding reads the input in place, through a bounds-checked cursor, and appends to the caller's
/// buffer: nothing is allocated per record beyond that buffer's growth. Truncated, garbage, or
/// over-long input throws `AvroDecodingError`.
///
/// The decoder is immutable after creation, so unlike avro-c's value readers it is safe to use
/// from several threads at once (it is `Sendable`); share one per schema.
public struct AvroJSONDecoder: Sendable {
    /// The deepest nesting of records, arrays, maps and unions accepted (recursive schemas and
    /// garbage input cannot exhaust the stack).
    public static let maximumDepth = 128
    /// The most items one array of zero-size items (e.g. `null`) may hold; such items consume no
    /// input, so without a limit a forged block count could make decoding run for ages.
    public static let maximumZeroSizeItems = 65_536
    /// The default bound on the JSON text one datum may become (16 MiB): nested arrays of
    /// zero-size items (`array<array<null>>`) otherwise expand a 100 KB datum to gigabytes.
    public static let defaultMaximumOutputBytes = 16 << 20

    /// The writer schema.
    public let schema: AvroSchema
    private let compiled: AvroCompiledSchema

    /// Prepares a decoder for datums written with `schema`.
    public init(schema: AvroSchema) {
        self.schema = schema
        self.compiled = AvroCompiledSchema(schema)
    }

    /// Decodes one datum and appends its JSON text to `output`.
    ///
    /// The whole of `datum` must be one value: trailing bytes are an error. JSON text longer than
    /// `maximumOutputBytes` is an error (`outputTooLarge`), found while decoding, so the output
    /// never grows much past the bound.
    /// On error, `output` is left as it was before the call.
    public func appendJSON(decoding datum: UnsafeRawBufferPointer, to output: inout [UInt8],
                           maximumOutputBytes: Int = defaultMaximumOutputBytes) throws(AvroDecodingError) {
        let start = output.count
        var reader = AvroBinaryReader(datum)
        do throws(AvroDecodingError) {
            output.reserveCapacity(start + min(datum.count * 2 + 16, maximumOutputBytes))
            let (limit, overflow) = start.addingReportingOverflow(max(0, maximumOutputBytes))
            let result = compiled.nodes.withUnsafeBufferPointer { nodes in
                var walker = Walker(nodes: nodes, minimumSizes: compiled.minimumEncodedSize,
                                    outputLimit: overflow ? Int.max : limit, maximumOutputBytes: maximumOutputBytes)
                return Result { () throws(AvroDecodingError) in
                    try walker.decode(compiled.root, from: &reader, to: &output, depth: 0)
                }
            }
            try result.get()
            if output.count - start > maximumOutputBytes {
                throw AvroDecodingError(.outputTooLarge(limit: maximumOutputBytes), at: reader.offset)
            }
            if reader.remaining > 0 {
                throw AvroDecodingError(.trailingBytes(count: reader.remaining), at: reader.offset)
            }
        } catch {
            output.removeSubrange(start...)
            throw error
        }
    }

    /// Decodes one datum into a new JSON text buffer.
    public func json(decoding datum: [UInt8],
                     maximumOutputBytes: Int = defaultMaximumOutputBytes) throws(AvroDecodingError) -> [UInt8] {
        var output: [UInt8] = []
        let result = datum.withUnsafeBytes { bytes in
            Result { () throws(AvroDecodingError) in
                try appendJSON(decoding: bytes, to: &output, maximumOutputBytes: maximumOutputBytes)
            }
        }
        try result.get()
        return output
    }
}

/// The recursive walk over the compiled schema; kept separate so the hot loop works on an unsafe
/// buffer of nodes rather than re-borrowing the array at every level.
private struct Walker {
    let nodes: UnsafeBufferPointer<AvroSchemaNode>
    let minimumSizes: [Int]
    /// `output.count` past which decoding stops (the start plus the datum's bound).
    let outputLimit: Int
    let maximumOutputBytes: Int

    /// Checked after every array item and map entry: the only values whose output is not bounded
    /// by the input they consume.
    @inline(__always)
    private func checkOutput(_ output: [UInt8], _ reader: AvroBinaryReader) throws(AvroDecodingError) {
        if output.count > outputLimit {
            throw AvroDecodingError(.outputTooLarge(limit: maximumOutputBytes), at: reader.offset)
        }
    }

    mutating func decode(_ index: Int, from reader: inout AvroBinaryReader, to output: inout [UInt8],
                         depth: Int) throws(AvroDecodingError) {
        switch nodes[index] {
        case .null:
            output.append(contentsOf: JSONText.nullLiteral)
        case .boolean:
            let byte = try reader.readByte()
            switch byte {
            case 0: output.append(contentsOf: JSONText.falseLiteral)
            case 1: output.append(contentsOf: JSONText.trueLiteral)
            default: throw AvroDecodingError(.invalidBoolean(byte), at: reader.offset - 1)
            }
        case .int:
            JSONText.appendInteger(Int64(try reader.readInt()), to: &output)
        case .long:
            JSONText.appendInteger(try reader.readLong(), to: &output)
        case .float:
            JSONText.appendFloat(try reader.readFloat(), to: &output)
        case .double:
            JSONText.appendDouble(try reader.readDouble(), to: &output)
        case .string:
            let length = try reader.readLength()
            let text = try reader.readBytes(length)
            JSONText.appendString(utf8: text, to: &output, invalidUTF8: .replace)
        case .bytes:
            let length = try reader.readLength()
            JSONText.appendStringOrBase64(try reader.readBytes(length), to: &output)
        case .fixed(let size):
            JSONText.appendStringOrBase64(try reader.readBytes(size), to: &output)
        case .enumeration(let symbols):
            let start = reader.offset
            let symbol = try reader.readLong()
            guard symbol >= 0, symbol < Int64(symbols.count) else {
                throw AvroDecodingError(.enumIndexOutOfRange(index: symbol, symbols: symbols.count), at: start)
            }
            output.append(contentsOf: symbols[Int(symbol)])
        case .union(let branches):
            let start = reader.offset
            let branch = try reader.readLong()
            guard branch >= 0, branch < Int64(branches.count) else {
                throw AvroDecodingError(.unionBranchOutOfRange(index: branch, branches: branches.count), at: start)
            }
            try decode(branches[Int(branch)], from: &reader, to: &output, depth: depth + 1)
        case .record(let fields):
            guard depth < AvroJSONDecoder.maximumDepth else {
                throw AvroDecodingError(.nestingTooDeep, at: reader.offset)
            }
            output.append(UInt8(ascii: "{"))
            var first = true
            for field in fields {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                output.append(contentsOf: field.jsonKey)
                try decode(field.node, from: &reader, to: &output, depth: depth + 1)
            }
            output.append(UInt8(ascii: "}"))
        case .array(let items):
            guard depth < AvroJSONDecoder.maximumDepth else {
                throw AvroDecodingError(.nestingTooDeep, at: reader.offset)
            }
            output.append(UInt8(ascii: "["))
            var first = true
            var total = 0
            while true {
                let count = try readBlockCount(&reader, itemSize: minimumSizes[items], total: &total)
                if count == 0 { break }
                for _ in 0..<count {
                    if !first { output.append(UInt8(ascii: ",")) }
                    first = false
                    try decode(items, from: &reader, to: &output, depth: depth + 1)
                    try checkOutput(output, reader)
                }
            }
            output.append(UInt8(ascii: "]"))
        case .map(let values):
            guard depth < AvroJSONDecoder.maximumDepth else {
                throw AvroDecodingError(.nestingTooDeep, at: reader.offset)
            }
            output.append(UInt8(ascii: "{"))
            var first = true
            var total = 0
            while true {
                // A map entry holds at least its key's length byte.
                let count = try readBlockCount(&reader, itemSize: 1 + minimumSizes[values], total: &total)
                if count == 0 { break }
                for _ in 0..<count {
                    if !first { output.append(UInt8(ascii: ",")) }
                    first = false
                    let length = try reader.readLength()
                    JSONText.appendString(utf8: try reader.readBytes(length), to: &output, invalidUTF8: .replace)
                    output.append(UInt8(ascii: ":"))
                    try decode(values, from: &reader, to: &output, depth: depth + 1)
                    try checkOutput(output, reader)
                }
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Reads one block header of an array or map: the item count (a negative count is followed by
    /// the block's byte size, which is skipped). Rejects counts the remaining input cannot hold.
    @inline(__always)
    private func readBlockCount(_ reader: inout AvroBinaryReader, itemSize: Int,
                                total: inout Int) throws(AvroDecodingError) -> Int {
        let start = reader.offset
        var count = try reader.readLong()
        if count < 0 {
            guard count != Int64.min else { throw AvroDecodingError(.blockCountTooLarge(count), at: start) }
            count = -count
            let sizeStart = reader.offset
            let size = try reader.readLong()
            guard size >= 0 else { throw AvroDecodingError(.negativeLength(size), at: sizeStart) }
        }
        if itemSize > 0 {
            guard count <= Int64(reader.remaining / itemSize) else {
                throw AvroDecodingError(.blockCountTooLarge(count), at: start)
            }
        } else {
            guard count <= Int64(AvroJSONDecoder.maximumZeroSizeItems - total) else {
                throw AvroDecodingError(.blockCountTooLarge(count), at: start)
            }
        }
        total += Int(count)
        return Int(count)
    }
}
