import SocketIO

/// What one side of an interop run observed: JSON objects with at least `"client"` (the client's
/// name, or `"script"`) and `"event"`, in the order they were made.
///
/// The reference client scripts print one such object per line (bytes as `{"$bin": "<hex>"}`);
/// the in-process server records the same shape (bytes as `.binary`).
struct InteropObservations: CustomStringConvertible {
    /// The observations, oldest first.
    var records: [JSONValue]

    /// Parses every output line that holds a JSON object; other lines (warnings) are skipped.
    init(parsingOutput output: String) {
        records = output.split(separator: "\n").compactMap { line in
            guard line.first == "{", let value = try? JSONValue(parsing: String(line)), value.objectValue != nil else {
                return nil
            }
            return value
        }
    }

    init(records: [JSONValue]) {
        self.records = records
    }

    /// The observations of `event` by `client`, optionally only those in `namespace`.
    func all(_ client: String, _ event: String, namespace: String? = nil) -> [JSONValue] {
        records.filter { record in
            record["client"]?.stringValue == client && record["event"]?.stringValue == event
                && (namespace == nil || record["namespace"]?.stringValue == namespace)
        }
    }

    /// The first observation of `event` by `client` whose `field` equals `value`.
    func first(_ client: String, _ event: String, namespace: String? = nil, where field: String? = nil,
               is value: JSONValue? = nil) -> JSONValue? {
        all(client, event, namespace: namespace).first { record in
            guard let field, let value else { return true }
            return record[field] == value
        }
    }

    /// The position (in order of observation) of the first observation that `first` would return.
    func position(_ client: String, _ event: String, namespace: String? = nil, where field: String? = nil,
                  is value: JSONValue? = nil) -> Int? {
        guard let record = first(client, event, namespace: namespace, where: field, is: value) else { return nil }
        return records.firstIndex { $0 == record }
    }

    /// Whether an observation of `event` by `client` was made.
    func contains(_ client: String, _ event: String, namespace: String? = nil) -> Bool {
        !all(client, event, namespace: namespace).isEmpty
    }

    /// One JSON text per line, for failure messages.
    var description: String {
        records.map(\.jsonText).joined(separator: "\n")
    }

    /// `value` with the members of every object sorted by key, so that values that differ only
    /// in member order compare equal.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements):
            return .array(elements.map(canonical))
        case .object(let members):
            let sorted = members.sorted { $0.key < $1.key }
            return .object(sorted.map { (key: $0.key, value: canonical($0.value)) })
        default:
            return value
        }
    }

    /// Whether `actual` equals `expected` up to the order of object members.
    static func same(_ actual: JSONValue?, _ expected: JSONValue) -> Bool {
        guard let actual else { return false }
        return canonical(actual) == canonical(expected)
    }
}
