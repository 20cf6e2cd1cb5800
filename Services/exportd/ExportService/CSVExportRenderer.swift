import NIOCore

/// Renders stored rows as one CSV document: header = union of the exported rows' fields in
/// first-seen order (after a leading `topic` column for multi-topic exports), rows oldest first.
/// A row whose layout is a prefix of the header is copied as stored (plus empty trailing cells);
/// others are re-cut against the header. There is always a `timestamp` column, so an export
/// with no rows is still a valid header-only CSV.
struct CSVExportRenderer {
    /// One topic's part of an export.
    struct Part {
        var topic: String
        var table: TopicTable
    }

    static func render(_ parts: [Part], merchant: String?, since: Int64?, until: Int64?, topicColumn: Bool) -> ByteBuffer {
        let selections = parts.map { ExportSelection(table: $0.table, merchant: merchant, since: since, until: until) }
        // Pass 1: header and each layout's place in it.
        var header: [[UInt8]] = []
        var headerIndex: [[UInt8]: Int] = [:]
        var mappings: [[[Int]?]] = []
        var estimatedBytes = 0
        for (part, selection) in zip(parts, selections) {
            let table = part.table
            var mapping = [[Int]?](repeating: nil, count: table.layouts.count)
            selection.forEach { isPublic, index in
                let row = isPublic ? selection.publicRows.rows[index] : selection.privateRows!.rows[index]
                estimatedBytes += Int(row.length) + 2
                let layout = Int(row.layout)
                guard layout < mapping.count, mapping[layout] == nil else { return }
                var positions: [Int] = []
                for fieldID in table.layouts[layout] {
                    let name = Int(fieldID) < table.fields.count ? table.fields[Int(fieldID)] : Array("field\(fieldID)".utf8)
                    if let position = headerIndex[name] {
                        positions.append(position)
                    } else {
                        headerIndex[name] = header.count
                        positions.append(header.count)
                        header.append(name)
                    }
                }
                mapping[layout] = positions
            }
            mappings.append(mapping)
        }
        if headerIndex[Array("timestamp".utf8)] == nil { header.append(Array("timestamp".utf8)) }

        var output = ByteBufferAllocator().buffer(capacity: estimatedBytes + 256 + (topicColumn ? estimatedBytes / 8 : 0))
        var line: [UInt8] = []
        if topicColumn { line.append(contentsOf: "topic,".utf8) }
        for (position, name) in header.enumerated() {
            if position > 0 { line.append(UInt8(ascii: ",")) }
            CSVFormat.appendCell(name, to: &line)
        }
        line.append(0x0A)
        output.writeBytes(line)

        // Pass 2: rows.
        let commas = [UInt8](repeating: UInt8(ascii: ","), count: header.count)
        for (partIndex, selection) in selections.enumerated() {
            let mapping = mappings[partIndex]
            let identity: [Bool] = mapping.map { positions in
                guard let positions else { return false }
                return positions.enumerated().allSatisfy { $0.offset == $0.element }
            }
            var topicCell: [UInt8] = []
            if topicColumn {
                CSVFormat.appendCell(Array(parts[partIndex].topic.utf8), to: &topicCell)
                topicCell.append(UInt8(ascii: ","))
            }
            selection.forEach { isPublic, index in
                let log = isPublic ? selection.publicRows : selection.privateRows!
                let row = log.rows[index]
                let layout = Int(row.layout)
                guard layout < mapping.count, let positions = mapping[layout] else { return }
                if topicColumn { output.writeBytes(topicCell) }
                let bytes = log.bytes[row.start..<row.start + Int(row.length)]
                if identity[layout] {
                    output.writeBytes(bytes)
                    let missing = header.count - positions.count
                    if missing > 0 { output.writeBytes(commas[0..<missing]) }
                } else {
                    let cells = CSVFormat.cellRanges(of: bytes)
                    var placed = [Range<Int>?](repeating: nil, count: header.count)
                    for (cellIndex, position) in positions.enumerated() where cellIndex < cells.count {
                        placed[position] = cells[cellIndex]
                    }
                    for (position, range) in placed.enumerated() {
                        if position > 0 { output.writeInteger(UInt8(ascii: ",")) }
                        if let range { output.writeBytes(log.bytes[range]) }
                    }
                }
                output.writeInteger(UInt8(0x0A))
            }
        }
        return output
    }
}
