/// Who may see a record's rows.
enum RowOwner: Hashable, Sendable {
    /// Everyone: the record has no `merchant_id`.
    case everyone
    /// Only the merchant with this id (the record's `merchant_id`).
    case merchant(String)
    /// No one: the record's `merchant_id` is not a string. Its offset still counts as stored.
    case nobody
}
