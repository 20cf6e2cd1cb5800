/// Which stored rows a merchant's export holds: the newest `limit` rows among the public ones
/// and the merchant's own, merged in arrival order.
struct ExportSelection {
    /// Where the newest `limit` rows start in each log.
    static func newestStart(publicRows: RowLog, privateRows: RowLog?, limit: Int) -> (publicIndex: Int, privateIndex: Int) {
        var publicIndex = publicRows.count
        var privateIndex = privateRows?.count ?? 0
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
    /// Inclusive millisecond bounds on the row timestamp.
    let since: Int64?
    let until: Int64?

    init(table: TopicTable, merchant: String?, since: Int64?, until: Int64?) {
        publicRows = table.publicRows
        privateRows = merchant.flatMap { table.merchantRows[$0] }
        start = Self.newestStart(publicRows: publicRows, privateRows: privateRows, limit: table.maxRows)
        self.since = since
        self.until = until
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
            while publicIndex < publicRows.count || privateIndex < privateRows.count {
                let takePublic: Bool
                if privateIndex >= privateRows.count {
                    takePublic = true
                } else if publicIndex >= publicRows.count {
                    takePublic = false
                } else {
                    takePublic = publicRows[publicIndex].sequence < privateRows[privateIndex].sequence
                }
                let index = takePublic ? publicIndex : privateIndex
                if takePublic { publicIndex += 1 } else { privateIndex += 1 }
                let timestamp = takePublic ? publicRows[index].timestamp : privateRows[index].timestamp
                if let since = selection.since, timestamp < since { continue }
                if let until = selection.until, timestamp > until { continue }
                return (takePublic, index)
            }
            return nil
        }
    }
}
