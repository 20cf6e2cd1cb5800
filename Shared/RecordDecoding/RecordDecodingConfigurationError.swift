import Avro

/// A configuration (`TOPIC_FORMATS`, `KAFKA_SCHEMA`, `SCHEMA_REGISTRY_URL`) that cannot be used.
/// Services treat it as bad configuration and exit with status 2.
public enum RecordDecodingConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A rule without `=` between its regex and its format.
    case missingEquals(rule: String)
    /// A rule with an empty regex.
    case emptyPattern(rule: String)
    /// A regex that does not compile.
    case invalidPattern(pattern: String, reason: String)
    /// A format other than `avro:<file>`, `registry`, `json` or `string`.
    case unknownFormat(String)
    /// `avro:` without a file.
    case missingSchemaFile(format: String)
    /// An Avro schema file that cannot be read or parsed.
    case schema(AvroSchemaError)
    /// A `registry` format without `SCHEMA_REGISTRY_URL`.
    case missingRegistryURL

    public var description: String {
        switch self {
        case .missingEquals(let rule):
            return "TOPIC_FORMATS rule '\(rule)' has no '=' (expected regex=format)"
        case .emptyPattern(let rule):
            return "TOPIC_FORMATS rule '\(rule)' has an empty regex"
        case .invalidPattern(let pattern, let reason):
            return "TOPIC_FORMATS regex '\(pattern)' is invalid: \(reason)"
        case .unknownFormat(let format):
            return "unknown record format '\(format)' (expected avro:<schema file>, registry, json or string)"
        case .missingSchemaFile(let format):
            return "record format '\(format)' names no schema file (expected avro:<schema file>)"
        case .schema(let error):
            return error.description
        case .missingRegistryURL:
            return "a topic uses the registry format but SCHEMA_REGISTRY_URL is not set"
        }
    }
}
