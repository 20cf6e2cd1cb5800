/// Where a pending export's rows lie in one ``RowLog`` (the public rows or one merchant's),
/// fixed when its URL was answered: the last of them, named by its record (partition, offset,
/// Kafka timestamp), and how many rows up to it belong to the export.
///
/// Rows leave a log only at its front (the bound) and arrive at its back, so the export's rows
/// are the `count` rows ending at the marked one for as long as the log still holds them; the
/// mark names a record rather than an index or an in-memory sequence, so it survives a restart.
struct ExportWindowMark: Codable, Sendable, Equatable {
    var partition: Int32
    var offset: Int64
    var kafkaTimestamp: Int64
    /// Rows of the export in this log (at least 1: an export with none has no mark).
    var count: Int

    /// The mark of rows `start..<end` of `log` (nil when the range is empty).
    init?(_ log: RowLog, start: Int, end: Int) {
        guard end > start else { return nil }
        let last = log.rows[end - 1]
        partition = last.partition
        offset = last.offset
        kafkaTimestamp = last.kafkaTimestamp
        count = end - start
    }

    /// The marked rows' index range in `log` now, or nil when the log no longer holds all of
    /// them. Searches from the newest row back (rows arrived since are few).
    func range(in log: RowLog) -> Range<Int>? {
        var index = log.count - 1
        while index >= 0 {
            let row = log.rows[index]
            if row.offset == offset && row.partition == partition && row.kafkaTimestamp == kafkaTimestamp { break }
            index -= 1
        }
        guard index >= 0, index + 1 >= count else { return nil }
        return (index + 1 - count)..<(index + 1)
    }
}
