import NIOCore
import RecordFilter

/// Renders stored rows as one CSV document, in chunks: header = union of the exported rows'
/// fields in first-seen order (after a leading `topic` column for multi-topic exports), rows
/// oldest first. A row whose layout is a prefix of the header is copied as stored (plus empty
/// trailing cells); others are re-cut against the header. There is always a `timestamp` column,
/// unless the export names its columns (`?columns=`): then the header is exactly those, in that
/// order, and a row's other fields are left out (a column no row has stays empty). With a
/// filter (`?filter=`), only the rows of records that pass it are exported (see
/// ``ExportSelection``); the header is made of those rows' fields.
/// An export with no rows is empty (no header either), as the Price Wars proxy's
/// `DataFrame([]).to_csv` was: `pandas.read_csv` raises `EmptyDataError` on it, which the
/// merchant client turns into `None`.
///
/// Works on copies of the topic tables (copy-on-write: taking them is cheap, and the store can
/// keep changing while an export streams).
struct CSVExportRenderer {
    /// One topic's part of an export.
    struct Part {
        var topic: String
        var table: TopicTable
    }

    private let parts: [Part]
    private let selections: [ExportSelection]
    private let topicColumn: Bool
    private let header: [[UInt8]]
    /// Per part, per layout: the header position of each of the layout's fields (-1: left out).
    private let mappings: [[[Int]?]]
    /// Per part, per layout: whether the layout is the header's prefix (copy the line as is).
    private let identities: [[Bool]]
    private let topicCells: [[UInt8]]
    private let commas: [UInt8]
    /// Approximate size of the whole document.
    let estimatedBytes: Int
    /// Whether no row is selected (the document is then empty).
    let isEmpty: Bool

    private var headerWritten = false
    private var partIndex = 0
    private var cursor: ExportSelection.Cursor?

    init(_ parts: [Part], merchant: String?, since: Int64?, until: Int64?, topicColumn: Bool, columns: [String]? = nil,
         filter: RecordFilter? = nil) {
        self.init(parts, selections: parts.map {
            ExportSelection(table: $0.table, merchant: merchant, since: since, until: until, filter: filter)
        }, topicColumn: topicColumn, columns: columns)
    }

    /// Renders `selections`, one per part (a pending export's rows).
    init(_ parts: [Part], selections: [ExportSelection], topicColumn: Bool, columns: [String]?) {
        self.parts = parts
        self.topicColumn = topicColumn
        self.selections = selections
        var header: [[UInt8]] = columns.map { $0.map { Array($0.utf8) } } ?? []
        var headerIndex: [[UInt8]: Int] = Dictionary(header.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        var mappings: [[[Int]?]] = []
        var estimatedBytes = 0
        var rowCount = 0
        for (part, selection) in zip(parts, selections) {
            let table = part.table
            var mapping = [[Int]?](repeating: nil, count: table.layouts.count)
            let publicRows = selection.publicRows.rows
            let privateRows = selection.privateRows?.rows ?? []
            selection.forEach { isPublic, index in
                let row = isPublic ? publicRows[index] : privateRows[index]
                estimatedBytes += Int(row.length) + 2
                rowCount += 1
                let layout = Int(row.layout)
                guard layout < mapping.count, mapping[layout] == nil else { return }
                var positions: [Int] = []
                for fieldID in table.layouts[layout] {
                    let name = Int(fieldID) < table.fields.count ? table.fields[Int(fieldID)] : Array("field\(fieldID)".utf8)
                    if let position = headerIndex[name] {
                        positions.append(position)
                    } else if columns != nil {
                        positions.append(-1)
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
        if columns == nil, headerIndex[Array("timestamp".utf8)] == nil { header.append(Array("timestamp".utf8)) }
        self.header = header
        self.mappings = mappings
        identities = mappings.map { mapping in
            mapping.map { positions in
                guard let positions else { return false }
                return positions.enumerated().allSatisfy { $0.offset == $0.element }
            }
        }
        topicCells = parts.map { part in
            var cell: [UInt8] = []
            CSVFormat.appendCell(Array(part.topic.utf8), to: &cell)
            cell.append(UInt8(ascii: ","))
            return cell
        }
        commas = [UInt8](repeating: UInt8(ascii: ","), count: header.count)
        self.estimatedBytes = estimatedBytes + (topicColumn ? estimatedBytes / 8 : 0) + 256
        isEmpty = rowCount == 0
    }

    /// The header line (with its newline).
    private var headerLine: [UInt8] {
        var line: [UInt8] = []
        if topicColumn { line.append(contentsOf: "topic,".utf8) }
        for (position, name) in header.enumerated() {
            if position > 0 { line.append(UInt8(ascii: ",")) }
            CSVFormat.appendCell(name, to: &line)
        }
        line.append(0x0A)
        return line
    }

    /// The cells of a re-cut row at their header positions (nil: empty cell).
    private func placed(_ bytes: ArraySlice<UInt8>, _ positions: [Int]) -> [Range<Int>?] {
        let cells = CSVFormat.cellRanges(of: bytes)
        var placed = [Range<Int>?](repeating: nil, count: header.count)
        for (cellIndex, position) in positions.enumerated() where cellIndex < cells.count && position >= 0 {
            placed[position] = cells[cellIndex]
        }
        return placed
    }

    /// The exact size of the whole document in bytes, for a `Content-Length` (a pass over the
    /// selected rows; only rows re-cut against the header are read).
    func documentByteCount() -> Int {
        if isEmpty { return 0 }
        var total = headerLine.count
        for (partIndex, selection) in selections.enumerated() {
            let mapping = mappings[partIndex]
            let identity = identities[partIndex]
            let topicBytes = topicColumn ? topicCells[partIndex].count : 0
            let publicLog = selection.publicRows
            let privateLog = selection.privateRows ?? RowLog()
            selection.forEach { isPublic, index in
                let row = isPublic ? publicLog.rows[index] : privateLog.rows[index]
                let layout = Int(row.layout)
                guard layout < mapping.count, let positions = mapping[layout] else { return }
                total += topicBytes + 1
                if identity[layout] {
                    total += Int(row.length) + max(0, header.count - positions.count)
                } else {
                    let end = row.start + Int(row.length)
                    let bytes = isPublic ? publicLog.bytes[row.start..<end] : privateLog.bytes[row.start..<end]
                    total += header.count - 1 + placed(bytes, positions).reduce(0) { $0 + ($1?.count ?? 0) }
                }
            }
        }
        return total
    }

    /// The whole document at once.
    static func render(_ parts: [Part], merchant: String?, since: Int64?, until: Int64?, topicColumn: Bool,
                       columns: [String]? = nil, filter: RecordFilter? = nil) -> ByteBuffer {
        var renderer = CSVExportRenderer(parts, merchant: merchant, since: since, until: until, topicColumn: topicColumn,
                                         columns: columns, filter: filter)
        var output = ByteBufferAllocator().buffer(capacity: renderer.estimatedBytes)
        while renderer.write(into: &output, upTo: .max) {}
        return output
    }

    /// The next chunk of about `size` bytes (at least the header), or nil when done.
    mutating func nextChunk(size: Int) -> ByteBuffer? {
        var output = ByteBufferAllocator().buffer(capacity: size + 4096)
        _ = write(into: &output, upTo: size)
        return output.readableBytes > 0 ? output : nil
    }

    /// Appends rows to `output` until it holds `limit` bytes or the document ends; returns
    /// whether more remains.
    private mutating func write(into output: inout ByteBuffer, upTo limit: Int) -> Bool {
        if isEmpty { return false }
        if !headerWritten {
            headerWritten = true
            output.writeBytes(headerLine)
        }
        while partIndex < parts.count {
            let selection = selections[partIndex]
            var cursor = self.cursor ?? ExportSelection.Cursor(selection)
            let mapping = mappings[partIndex]
            let identity = identities[partIndex]
            let topicCell = topicCells[partIndex]
            let publicLog = selection.publicRows
            let privateLog = selection.privateRows ?? RowLog()
            while output.readableBytes < limit, let (isPublic, index) = cursor.next(selection) {
                let row = isPublic ? publicLog.rows[index] : privateLog.rows[index]
                let layout = Int(row.layout)
                guard layout < mapping.count, let positions = mapping[layout] else { continue }
                if topicColumn { output.writeBytes(topicCell) }
                let start = row.start
                let end = start + Int(row.length)
                if identity[layout] {
                    if isPublic {
                        _ = publicLog.bytes.withUnsafeBufferPointer { output.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[start..<end]))) }
                    } else {
                        _ = privateLog.bytes.withUnsafeBufferPointer { output.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: $0[start..<end]))) }
                    }
                    let missing = header.count - positions.count
                    if missing > 0 { output.writeBytes(commas[0..<missing]) }
                } else {
                    let bytes = isPublic ? publicLog.bytes[start..<end] : privateLog.bytes[start..<end]
                    for (position, range) in placed(bytes, positions).enumerated() {
                        if position > 0 { output.writeInteger(UInt8(ascii: ",")) }
                        if let range { output.writeBytes(bytes[range]) }
                    }
                }
                output.writeInteger(UInt8(0x0A))
            }
            if output.readableBytes >= limit {
                self.cursor = cursor
                return true
            }
            self.cursor = nil
            partIndex += 1
        }
        return false
    }
}
