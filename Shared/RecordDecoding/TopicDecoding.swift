import Avro

/// How one topic is decoded, resolved from the rules once per topic.
enum TopicDecoding: Sendable {
    case json
    case string
    case auto(AvroJSONDecoder)
    case avro(AvroJSONDecoder)
    case registry

    /// Valid JSON values are passed through unchanged.
    var passesJSONThrough: Bool {
        switch self {
        case .json, .auto: return true
        case .string, .avro, .registry: return false
        }
    }

    /// Registry topics decode keys that carry the registry framing through the registry.
    var isRegistry: Bool {
        if case .registry = self { return true }
        return false
    }
}
