/// Which part of a Kafka record is being decoded.
public enum RecordPart: String, Sendable, Equatable {
    case key
    case value
}
