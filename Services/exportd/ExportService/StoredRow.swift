/// A stored row: where its CSV line lies in its ``RowLog``'s bytes and what it came from.
struct StoredRow {
    /// Order of arrival within the topic (public and private rows share one counter), used to
    /// merge a merchant's private rows with the public ones.
    var sequence: UInt64
    /// Start of the line in ``RowLog/bytes``.
    var start: Int
    var length: Int32
    /// The column layout (index into the topic's layouts).
    var layout: UInt32
    /// Milliseconds since the epoch, for `since` / `until`.
    var timestamp: Int64
    var partition: Int32
    var offset: Int64
    var kafkaTimestamp: Int64
}
