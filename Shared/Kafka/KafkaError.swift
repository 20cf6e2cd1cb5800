/// An error reported by librdkafka or by this wrapper.
public struct KafkaError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The librdkafka error code (`rd_kafka_resp_err_t`), or `nil` for wrapper-level errors.
    public var code: Int32?
    /// librdkafka's name for the code (e.g. `_TRANSPORT`), if any.
    public var name: String?
    /// What went wrong.
    public var message: String

    public init(code: Int32? = nil, name: String? = nil, message: String) {
        self.code = code
        self.name = name
        self.message = message
    }

    public var description: String {
        if let name { return "\(message) (\(name))" }
        return message
    }
}
