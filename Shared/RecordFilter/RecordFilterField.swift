import JSON

/// What a comparison reads of a record.
public enum RecordFilterField: Sendable, Hashable {
    /// The value, or a member at a path of object member names and array indexes (`value.a.0.b`).
    case value([String])
    /// The key, or a member at a path into it.
    case key([String])
    case partition
    case offset
    /// The Kafka timestamp, milliseconds since the epoch.
    case timestamp

    /// Reads a field name: `value`, `value.<path>`, `key`, `key.<path>`, `partition`, `offset`,
    /// `timestamp`. Headers are not carried to realtimed and exportd, so `header.*` is refused.
    init(name: String, at position: Int) throws(RecordFilterError) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let head = parts.first, !parts.contains(where: \.isEmpty) else {
            throw RecordFilterError(.unknownField, at: position, "'\(name)' is not a field")
        }
        switch (head, parts.count) {
        case ("value", _): self = .value(Array(parts.dropFirst()))
        case ("key", _): self = .key(Array(parts.dropFirst()))
        case ("partition", 1): self = .partition
        case ("offset", 1): self = .offset
        case ("timestamp", 1): self = .timestamp
        case ("header", _), ("headers", _):
            throw RecordFilterError(.unknownField, at: position, "Kafka headers do not reach realtimed and exportd yet; filter on the key or value")
        default:
            throw RecordFilterError(.unknownField, at: position,
                                    "'\(name)' is not a field (value, value.<path>, key, key.<path>, partition, offset, timestamp)")
        }
    }

    /// The field's name in the text form.
    public var name: String {
        switch self {
        case .value(let path): (["value"] + path).joined(separator: ".")
        case .key(let path): (["key"] + path).joined(separator: ".")
        case .partition: "partition"
        case .offset: "offset"
        case .timestamp: "timestamp"
        }
    }

    /// The field's scalar in `record`; nil when missing or not a scalar.
    func value(in record: some FilterableRecord) -> FilterScalar? {
        switch self {
        case .value(let path): record.value.flatMap { JSONPathLookup.scalar(at: path, in: $0) }
        case .key(let path): record.key.flatMap { JSONPathLookup.scalar(at: path, in: $0) }
        case .partition: .number(Double(record.partition))
        case .offset: .number(Double(record.offset))
        case .timestamp: record.timestamp >= 0 ? .number(Double(record.timestamp)) : nil
        }
    }
}
