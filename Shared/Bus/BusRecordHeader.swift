/// One Kafka header of a record as carried on the bus (`docs/bus-protocol.md`, "Headers").
public struct BusRecordHeader: Sendable, Hashable {
    /// The header's name (Kafka header names are strings).
    public var name: String
    /// The header's value bytes, as produced (not necessarily UTF-8); nil for a null value.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// Bytes this header takes in a headers frame (name and value with their lengths).
    public var frameByteCount: Int { 2 + name.utf8.count + 4 + (value?.count ?? 0) }
}
