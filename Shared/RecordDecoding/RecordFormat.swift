/// How the bytes of a topic's records are turned into JSON.
public enum RecordFormat: Sendable, Equatable, CustomStringConvertible {
    /// Avro binary written with the schema in this `.avsc` file.
    case avro(schemaFile: String)
    /// Confluent schema-registry framing: magic byte 0, 4-byte big-endian schema id, Avro datum.
    case registry
    /// JSON passed through when valid, else a JSON string of the text (or base64).
    case json
    /// A JSON string of the UTF-8 text (or base64 when not UTF-8).
    case string

    /// Parses `avro:<schema file>`, `registry`, `json` or `string`.
    public init(parsing text: String) throws(RecordDecodingConfigurationError) {
        switch text {
        case "registry": self = .registry
        case "json": self = .json
        case "string": self = .string
        default:
            if text.hasPrefix("avro:") {
                let file = String(text.dropFirst("avro:".count))
                guard !file.isEmpty else { throw .missingSchemaFile(format: text) }
                self = .avro(schemaFile: file)
            } else {
                throw .unknownFormat(text)
            }
        }
    }

    public var description: String {
        switch self {
        case .avro(let file): return "avro:\(file)"
        case .registry: return "registry"
        case .json: return "json"
        case .string: return "string"
        }
    }
}
