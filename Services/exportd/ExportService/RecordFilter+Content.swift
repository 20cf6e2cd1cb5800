import RecordFilter

extension RecordFilter {
    /// Whether the filter compares a `key` or `value` field anywhere (rows kept without their
    /// record's JSON, from a journal written before filters, cannot be judged by such a filter).
    var readsKeyOrValue: Bool {
        switch self {
        case .and(let parts), .or(let parts): parts.contains { $0.readsKeyOrValue }
        case .not(let part): part.readsKeyOrValue
        case .compare(let field, _, _):
            switch field {
            case .key, .value: true
            case .partition, .offset, .timestamp: false
            }
        }
    }
}
