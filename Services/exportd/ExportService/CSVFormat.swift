/// RFC 4180 CSV cells: a cell holding a comma, a quote, CR or LF is quoted and its quotes doubled.
enum CSVFormat {
    /// Appends `cell` to `line`, quoted when needed.
    static func appendCell(_ cell: some Collection<UInt8>, to line: inout [UInt8]) {
        let needsQuotes = cell.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
        guard needsQuotes else {
            line.append(contentsOf: cell)
            return
        }
        line.append(UInt8(ascii: "\""))
        for byte in cell {
            if byte == UInt8(ascii: "\"") { line.append(byte) }
            line.append(byte)
        }
        line.append(UInt8(ascii: "\""))
    }

    /// The cell text of a JSON value: strings as they are, numbers and booleans as JSON writes
    /// them, null as an empty cell, objects and arrays as their JSON text.
    static func appendCell(_ value: JSONSlice, text: [UInt8], to line: inout [UInt8]) {
        switch value {
        case .string(let bytes): appendCell(bytes, to: &line)
        case .number(let range): line.append(contentsOf: text[range])
        case .bool(let flag): line.append(contentsOf: flag ? Array("true".utf8) : Array("false".utf8))
        case .null: break
        case .object(let range), .array(let range): appendCell(text[range], to: &line)
        }
    }

    /// The byte ranges of the cells of one CSV line written by this type (quotes included).
    static func cellRanges(of line: ArraySlice<UInt8>) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = line.startIndex
        var index = line.startIndex
        var quoted = false
        while index < line.endIndex {
            let byte = line[index]
            if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if byte == UInt8(ascii: ","), !quoted {
                ranges.append(start..<index)
                start = index + 1
            }
            index += 1
        }
        ranges.append(start..<line.endIndex)
        return ranges
    }
}
