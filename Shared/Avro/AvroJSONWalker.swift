import JSON

/// The recursive walk over the compiled schema; kept separate so the hot loop works on unsafe
/// buffers of plain data (``AvroSchemaTables``) rather than re-borrowing arrays at every level.
struct AvroJSONWalker {
    let tables: AvroSchemaTables
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
        switch tables.nodes[index] {
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
            output.append(contentsOf: tables.text(tables.symbols[symbols.lowerBound + Int(symbol)]))
        case .union(let branches):
            let start = reader.offset
            let branch = try reader.readLong()
            guard branch >= 0, branch < Int64(branches.count) else {
                throw AvroDecodingError(.unionBranchOutOfRange(index: branch, branches: branches.count), at: start)
            }
            try decode(tables.branches[branches.lowerBound + Int(branch)], from: &reader, to: &output, depth: depth + 1)
        case .record(let fields):
            guard depth < AvroJSONDecoder.maximumDepth else {
                throw AvroDecodingError(.nestingTooDeep, at: reader.offset)
            }
            output.append(UInt8(ascii: "{"))
            var first = true
            for fieldIndex in fields {
                let field = tables.fields[fieldIndex]
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                output.append(contentsOf: tables.text(field.jsonKey))
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
                let count = try readBlockCount(&reader, itemSize: tables.minimumSizes[items], total: &total)
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
                let count = try readBlockCount(&reader, itemSize: 1 + tables.minimumSizes[values], total: &total)
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
