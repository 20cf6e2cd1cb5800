import Avro

/// Why one record's key or value could not be decoded.
public enum RecordDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The registry schema `id` is not loaded yet: await `RecordDecoder.loadSchema(id:)`, then
    /// decode the record again.
    case schemaNotLoaded(id: Int32)
    /// Fetching or parsing registry schema `id` failed (recently; it is retried later).
    case schemaFetchFailed(id: Int32, reason: String)
    /// The bytes do not carry the registry framing (too short, or an unknown magic byte).
    case invalidRegistryFraming(topic: String, part: RecordPart, reason: String)
    /// The Avro datum does not decode with its schema.
    case avro(topic: String, part: RecordPart, AvroDecodingError)

    public var description: String {
        switch self {
        case .schemaNotLoaded(let id):
            return "schema registry id \(id) is not loaded yet"
        case .schemaFetchFailed(let id, let reason):
            return "cannot load schema id \(id) from the schema registry: \(reason)"
        case .invalidRegistryFraming(let topic, let part, let reason):
            return "topic \(topic): record \(part.rawValue) is not registry-framed Avro: \(reason)"
        case .avro(let topic, let part, let error):
            return "topic \(topic): record \(part.rawValue): \(error)"
        }
    }
}
