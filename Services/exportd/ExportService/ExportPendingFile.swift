/// An export answered with a URL (`GET /export/data/{topic}`) but not rendered: what
/// `GET /data/<id>.csv` streams from the store. It holds the selection, not the rows: the
/// topics, merchant, `?columns=`, the `?filter=` text and, per topic, where the rows that existed
/// when the URL was answered lie (``ExportWindowMark``, public and private), so rows arriving
/// later are left out. A few hundred bytes, whatever the export's size; kept in memory and, as
/// `DATA_DIR/exports/<id>.export` (JSON), on disk so the URL survives a restart.
struct ExportPendingFile: Codable, Sendable, Equatable {
    /// One topic's rows.
    struct Part: Codable, Sendable, Equatable {
        var topic: String
        var publicRows: ExportWindowMark?
        var privateRows: ExportWindowMark?
    }

    var parts: [Part]
    /// Whose private rows (nil: public rows only).
    var merchant: String?
    /// The all-topics export: a leading `topic` column.
    var topicColumn: Bool
    var columns: [String]?
    /// The `?filter=` value as asked (parsed again when the file is read).
    var filter: String?
    /// About the size of the CSV (the rows' stored lines, before the filter): what the file
    /// counts against the byte limits.
    var estimatedBytes: Int
}
