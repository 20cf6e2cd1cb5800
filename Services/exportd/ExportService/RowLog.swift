/// The rows of one owner (the public, or one merchant) in one topic, oldest first, their CSV
/// lines packed in one byte array so an export copies contiguous memory.
struct RowLog {
    private(set) var bytes: [UInt8] = []
    private(set) var rows: [StoredRow] = []
    /// Per row, its record's key and value for filters (one object per record, shared by its
    /// rows); nil for a row loaded from a journal written before filters (entry kind 3). Kept
    /// beside ``rows``, not in them, so rows stay plain values an export reads without
    /// reference counting.
    private(set) var records: [StoredRecord?] = []

    var count: Int { rows.count }
    var isEmpty: Bool { rows.isEmpty }

    mutating func append(line: some Collection<UInt8>, sequence: UInt64, layout: UInt32, timestamp: Int64,
                         partition: Int32, offset: Int64, kafkaTimestamp: Int64, record: StoredRecord?) {
        rows.append(StoredRow(sequence: sequence, start: bytes.count, length: Int32(line.count), layout: layout,
                              timestamp: timestamp, partition: partition, offset: offset, kafkaTimestamp: kafkaTimestamp))
        records.append(record)
        bytes.append(contentsOf: line)
    }

    /// The line of row `index`.
    func line(_ index: Int) -> ArraySlice<UInt8> {
        let row = rows[index]
        return bytes[row.start..<row.start + Int(row.length)]
    }

    /// Bytes of the lines of rows `range`, plus one per row (its line end).
    func lineBytes(_ range: Range<Int>) -> Int {
        guard !range.isEmpty else { return 0 }
        let last = rows[range.upperBound - 1]
        return last.start + Int(last.length) - rows[range.lowerBound].start + range.count
    }

    /// Drops the `count` oldest rows.
    mutating func dropOldest(_ count: Int) {
        guard count > 0 else { return }
        guard count < rows.count else {
            rows.removeAll()
            records.removeAll()
            bytes.removeAll()
            return
        }
        let shift = rows[count].start
        rows.removeFirst(count)
        records.removeFirst(count)
        bytes.removeFirst(shift)
        for index in rows.indices { rows[index].start -= shift }
    }

    /// Index of the first row whose sequence is at least `sequence`.
    func firstIndex(atLeast sequence: UInt64) -> Int {
        var low = 0, high = rows.count
        while low < high {
            let mid = (low + high) / 2
            if rows[mid].sequence < sequence { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
