/// Why a schema could not be loaded.
public enum AvroSchemaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The schema text is not a valid Avro schema (avro-c's message).
    case invalidSchema(reason: String)
    /// The schema file could not be read.
    case unreadableFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidSchema(let reason): return "invalid Avro schema: \(reason)"
        case .unreadableFile(let path, let reason): return "cannot read Avro schema file \(path): \(reason)"
        }
    }
}
