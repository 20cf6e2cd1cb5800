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
    /// Valid JSON passed through; else, when the bytes decode exactly (every byte consumed, every
    /// value valid) with the bundled `DataRecordSchema`, that record; else like `json`. The
    /// default when neither `TOPIC_FORMATS` nor `KAFKA_SCHEMA` is set, as the solar gateway
    /// decoded everything with its bundled DataRecord schema.
    case auto

    /// Parses `avro:<schema file>`, `registry`, `json`, `string` or `auto`.
    public init(parsing text: String) throws(RecordDecodingConfigurationError) {
        switch text {
        case "registry": self = .registry
        case "json": self = .json
        case "string": self = .string
        case "auto": self = .auto
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
        case .auto: return "auto"
        }
    }
}
