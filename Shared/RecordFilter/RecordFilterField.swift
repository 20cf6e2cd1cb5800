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
    /// The value of the record's last Kafka header of this name, as a UTF-8 string (`header.<name>`).
    case header(String)

    /// The text form's prefix of a header field.
    static let headerPrefix = "header."

    /// Reads a field name: `value`, `value.<path>`, `key`, `key.<path>`, `partition`, `offset`,
    /// `timestamp`, `header.<name>` (the name is everything after `header.`, dots included).
    init(name: String, at position: Int) throws(RecordFilterError) {
        if name.hasPrefix(Self.headerPrefix) {
            self = try Self.header(String(name.dropFirst(Self.headerPrefix.count)), at: position)
            return
        }
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
            throw RecordFilterError(.unknownField, at: position, "'\(name)' is not a field: a header is header.<name>")
        default:
            throw RecordFilterError(.unknownField, at: position,
                                    "'\(name)' is not a field (value, value.<path>, key, key.<path>, partition, offset, timestamp, header.<name>)")
        }
    }

    /// A header field; refuses an empty name and one longer than a Kafka client would send.
    static func header(_ name: String, at position: Int) throws(RecordFilterError) -> RecordFilterField {
        guard !name.isEmpty else {
            throw RecordFilterError(.unknownField, at: position, "a header field needs a name: header.<name>")
        }
        guard name.utf8.count <= maximumHeaderNameBytes else {
            throw RecordFilterError(.unknownField, at: position, "a header name longer than \(maximumHeaderNameBytes) bytes")
        }
        return .header(name)
    }

    /// Longest header name a filter may name, in bytes.
    static let maximumHeaderNameBytes = 1024

    /// Whether a header name can be written after `header.` in the text form without quotes.
    static func isPlainHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isHeaderNameByte)
    }

    /// Letters, digits, `_`, `.` and `-`: the bytes of an unquoted header name in the text form.
    static func isHeaderNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"): true
        default: false
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
        case .header(let name): Self.headerPrefix + (Self.isPlainHeaderName(name) ? name : JSONText.quoted(name))
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
        case .header(let name):
            // Missing header: missing; null value: null; a value that is not UTF-8: missing.
            switch record.lastHeader(named: name) {
            case .none: nil
            case .some(.none): .null
            case .some(.some(let bytes)): String(validating: bytes, as: UTF8.self).map(FilterScalar.string)
            }
        }
    }
}
