import RecordFilter

/// A filter some sockets subscribed with, and how many.
struct ActiveFilter: Sendable {
    let filter: RecordFilter
    var sockets: Int
}
