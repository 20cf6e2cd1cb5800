/// One CSV row made from a record, before it is stored: its field names (the column layout),
/// its cells rendered as one CSV line (no line break), and its timestamp for `since`/`until`.
struct BuiltRow: Equatable {
    var fields: [[UInt8]]
    var line: [UInt8]
    var timestamp: Int64
}
