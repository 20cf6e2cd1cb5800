import RecordFilter

/// A filter some unconflated sockets subscribed with, and how many (conflated sockets with a
/// filter are counted in their ``ConflationGroup``).
struct ActiveFilter: Sendable {
    let filter: RecordFilter
    var sockets: Int
}
