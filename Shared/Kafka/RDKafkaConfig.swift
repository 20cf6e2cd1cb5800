import CRdkafka

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new` (which takes ownership).
final class RDKafkaConfig {
    private(set) var pointer: OpaquePointer?

    init() {
        pointer = rd_kafka_conf_new()
    }

    /// Sets a librdkafka property; librdkafka itself validates the name and value.
    func set(_ name: String, _ value: String) throws(KafkaError) {
        var errorBuffer = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, name, value, &errorBuffer, errorBuffer.count)
        guard result == RD_KAFKA_CONF_OK else {
            let text = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError(message: "invalid Kafka property \(name)=\(value): \(text)")
        }
    }

    /// Gives up ownership (after a successful `rd_kafka_new`).
    func release() -> OpaquePointer? {
        defer { pointer = nil }
        return pointer
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }

    /// Checks a set of properties without creating a client: the first invalid one throws.
    static func validate(_ properties: [String: String]) throws(KafkaError) {
        let config = RDKafkaConfig()
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            try config.set(name, value)
        }
    }
}
