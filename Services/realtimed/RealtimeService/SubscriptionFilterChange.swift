import RecordFilter

/// What a `subscribe` call does to the socket's filter.
enum SubscriptionFilterChange: Sendable {
    /// The call names no filter: the socket keeps its own.
    case keep
    /// `"filter": null`: the socket gets every record of the topics it follows again.
    case clear
    /// The socket gets only the records that pass this filter.
    case set(RecordFilter)
}
