import RecordFilter

extension RecordFilter {
    /// Whether the filter compares a `key` or `value` field anywhere (rows kept without their
    /// record's JSON, from a journal written before filters, cannot be judged by such a filter).
    var readsKeyOrValue: Bool {
        reads { field in
            switch field {
            case .key, .value: true
            case .partition, .offset, .timestamp, .header: false
            }
        }
    }

    /// Whether the filter compares a `header.<name>` field anywhere (records kept without their
    /// headers, from a journal written before headers, cannot be judged by such a filter).
    var readsHeaders: Bool {
        reads { field in
            if case .header = field { return true }
            return false
        }
    }

    private func reads(_ test: (RecordFilterField) -> Bool) -> Bool {
        switch self {
        case .and(let parts), .or(let parts): parts.contains { $0.reads(test) }
        case .not(let part): part.reads(test)
        case .compare(let field, _, _): test(field)
        }
    }
}
