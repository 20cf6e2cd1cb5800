import CRdkafka

extension KafkaError {
    /// Codes of librdkafka's local errors that mean no broker can be reached (so a process is
    /// not ready): all brokers down, a transport failure, a name that does not resolve, a timeout.
    static let brokerUnreachableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue, RD_KAFKA_RESP_ERR__TRANSPORT.rawValue,
        RD_KAFKA_RESP_ERR__RESOLVE.rawValue, RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue,
    ]

    /// Whether the error says no broker can be reached (decided on the code, not the name).
    public var isBrokerUnreachable: Bool {
        code.map(Self.brokerUnreachableCodes.contains) ?? false
    }
}
