import RecordFilter

/// Which stored rows a merchant's export holds: the newest `limit` rows among the public ones
/// and the merchant's own, merged in arrival order; of those, the rows within `since`/`until`,
/// and, with a filter, the rows of records that pass it.
///
/// The filter applies after the visibility rule (it never shows a row the merchant may not
/// see) and selects records: every row of a record that passes (a `marketSituation` record's
/// row per offer) or none, as realtimed sends the record or not. It reads the record's key and
/// value JSON kept with its rows (``StoredRecord``), partition, offset and Kafka timestamp. A
/// row kept without its record (loaded from a journal written before filters) passes only
/// filters that read neither `key` nor `value`.
struct ExportSelection {
    /// Where the newest `limit` rows start in each log.
    static func newestStart(publicRows: RowLog, privateRows: RowLog?, limit: Int) -> (publicIndex: Int, privateIndex: Int) {
        var publicIndex = publicRows.count
        var privateIndex = privateRows?.count ?? 0
        if publicIndex + privateIndex <= limit { return (0, 0) }
        var taken = 0
        while taken < limit {
            let publicSequence = publicIndex > 0 ? publicRows.rows[publicIndex - 1].sequence : 0
            let privateSequence = privateIndex > 0 ? privateRows!.rows[privateIndex - 1].sequence : 0
            if publicSequence == 0 && privateSequence == 0 { break }
            if publicSequence > privateSequence { publicIndex -= 1 } else { privateIndex -= 1 }
            taken += 1
        }
        return (publicIndex, privateIndex)
    }

    let publicRows: RowLog
    let privateRows: RowLog?
    let start: (publicIndex: Int, privateIndex: Int)
    /// Where the selection ends in each log (exclusive): the logs' ends, or for a pending
    /// export the last row that existed when its URL was answered.
    let end: (publicIndex: Int, privateIndex: Int)
    /// Inclusive millisecond bounds on the row timestamp.
    let since: Int64?
    let until: Int64?
    /// With a filter: whether each row from the start index on passes it (nil: every row does).
    let publicMatches: [Bool]?
    let privateMatches: [Bool]?

    init(table: TopicTable, merchant: String?, since: Int64?, until: Int64?, filter: RecordFilter? = nil) {
        let publicRows = table.publicRows
        let privateRows = merchant.flatMap { table.merchantRows[$0] }
        self.init(publicRows: publicRows, privateRows: privateRows,
                  start: Self.newestStart(publicRows: publicRows, privateRows: privateRows, limit: table.maxRows),
                  end: (publicRows.count, privateRows?.count ?? 0), since: since, until: until, filter: filter)
    }

    /// The rows of a pending export: `publicRange` of the public rows and `privateRange` of the
    /// merchant's, merged in arrival order, of the records that pass `filter`.
    init(table: TopicTable, merchant: String?, publicRange: Range<Int>, privateRange: Range<Int>, filter: RecordFilter?) {
        self.init(publicRows: table.publicRows, privateRows: merchant.flatMap { table.merchantRows[$0] },
                  start: (publicRange.lowerBound, privateRange.lowerBound), end: (publicRange.upperBound, privateRange.upperBound),
                  since: nil, until: nil, filter: filter)
    }

    private init(publicRows: RowLog, privateRows: RowLog?, start: (publicIndex: Int, privateIndex: Int),
                 end: (publicIndex: Int, privateIndex: Int), since: Int64?, until: Int64?, filter: RecordFilter?) {
        self.publicRows = publicRows
        self.privateRows = privateRows
        self.start = start
        self.end = end
        self.since = since
        self.until = until
        if let filter {
            publicMatches = Self.matches(filter, publicRows, in: start.publicIndex..<end.publicIndex, since: since, until: until)
            privateMatches = privateRows.map {
                Self.matches(filter, $0, in: start.privateIndex..<end.privateIndex, since: since, until: until)
            }
        } else {
            publicMatches = nil
            privateMatches = nil
        }
    }

    /// Whether each row of `log` in `range` passes `filter`, judged once per record (a record's
    /// rows are adjacent in one log); rows outside `since`/`until` are not judged.
    private static func matches(_ filter: RecordFilter, _ log: RowLog, in range: Range<Int>, since: Int64?, until: Int64?) -> [Bool] {
        let readsContent = filter.readsKeyOrValue
        let readsHeaders = filter.readsHeaders
        let start = range.lowerBound
        var result = [Bool](repeating: false, count: range.count)
        var lastRecord: StoredRecord?
        var lastResult = false
        for index in range {
            let row = log.rows[index]
            if let since, row.timestamp < since { continue }
            if let until, row.timestamp > until { continue }
            let record = log.records[index]
            if let record, record === lastRecord {
                result[index - start] = lastResult
                continue
            }
            // Never a guess: a row kept without what the filter reads does not pass.
            let unknown = (record == nil && readsContent) || (record?.headers == nil && readsHeaders)
            let passes = unknown ? false : filter.matches(FilteredRecord(row, record))
            lastRecord = record
            lastResult = passes
            result[index - start] = passes
        }
        return result
    }

    /// Calls `body` with (is public, row index) for every selected row, oldest first.
    func forEach(_ body: (Bool, Int) -> Void) {
        var cursor = Cursor(self)
        while let (isPublic, index) = cursor.next(self) { body(isPublic, index) }
    }

    /// A position in the selection, to read it in steps.
    struct Cursor {
        var publicIndex: Int
        var privateIndex: Int

        init(_ selection: ExportSelection) {
            publicIndex = selection.start.publicIndex
            privateIndex = selection.start.privateIndex
        }

        /// The next selected row (is public, row index), oldest first; nil at the end.
        mutating func next(_ selection: ExportSelection) -> (Bool, Int)? {
            let publicRows = selection.publicRows.rows
            let privateRows = selection.privateRows?.rows ?? []
            let publicEnd = selection.end.publicIndex
            let privateEnd = selection.end.privateIndex
            while publicIndex < publicEnd || privateIndex < privateEnd {
                let takePublic: Bool
                if privateIndex >= privateEnd {
                    takePublic = true
                } else if publicIndex >= publicEnd {
                    takePublic = false
                } else {
                    takePublic = publicRows[publicIndex].sequence < privateRows[privateIndex].sequence
                }
                let index = takePublic ? publicIndex : privateIndex
                if takePublic { publicIndex += 1 } else { privateIndex += 1 }
                let timestamp = takePublic ? publicRows[index].timestamp : privateRows[index].timestamp
                if let since = selection.since, timestamp < since { continue }
                if let until = selection.until, timestamp > until { continue }
                if let matches = takePublic ? selection.publicMatches : selection.privateMatches,
                   !matches[index - (takePublic ? selection.start.publicIndex : selection.start.privateIndex)] { continue }
                return (takePublic, index)
            }
            return nil
        }
    }
}
