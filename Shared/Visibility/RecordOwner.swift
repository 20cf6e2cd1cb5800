import JSON

/// Who may see a record, by its value's top-level `merchant_id` (the Price Wars rule, the same in
/// exports and on live streams): everyone when it has none, only that merchant when it is a
/// string, nobody but operators when it is anything else.
public enum RecordOwner: Hashable, Sendable {
    /// The record has no `merchant_id` (or its value is not a JSON object): public.
    case everyone
    /// Only the merchant with this id.
    case merchant(String)
    /// The record's `merchant_id` is not a string: operators only.
    case nobody

    /// The owner of a record whose value is the JSON text `value` (nil: a tombstone, public).
    /// Reads only the value's top-level members, with the one JSON grammar.
    public init(value: [UInt8]?) {
        guard let value else {
            self = .everyone
            return
        }
        self = value.withUnsafeBytes { raw in
            var reader = JSONReader(raw)
            return (try? Self.read(&reader)) ?? .everyone
        }
    }

    private static func read(_ reader: inout JSONReader) throws(JSONSyntaxError) -> RecordOwner {
        guard try reader.peekKind() == .object, try reader.beginContainer(depth: 1) else { return .everyone }
        repeat {
            let name = try reader.readMemberName()
            if reader.content(of: name, equals: "merchant_id") {
                guard try reader.peekKind() == .string else { return .nobody }
                return .merchant(reader.string(of: try reader.readString()))
            }
            try reader.skipValue(depth: 1)
        } while try reader.nextItem(inObject: true)
        return .everyone
    }

    /// Whether `viewer` may see the record.
    public func isVisible(to viewer: Viewer) -> Bool {
        switch (viewer, self) {
        case (.operator, _), (_, .everyone): true
        case let (.merchant(id), .merchant(owner)): id == owner
        default: false
        }
    }
}
