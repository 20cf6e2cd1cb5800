import Kafka
import Testing

@Suite struct KafkaErrorTests {
    /// Readiness decides on librdkafka's codes (all brokers down -187, transport -195, resolve
    /// -193, timed out -185), never on names or messages.
    @Test func brokerUnreachableIsDecidedOnTheCode() {
        for code: Int32 in [-187, -195, -193, -185] {
            #expect(KafkaError(code: code, name: "anything", message: "x").isBrokerUnreachable, "\(code)")
        }
        #expect(!KafkaError(code: -191, name: "_PARTITION_EOF", message: "x").isBrokerUnreachable)
        #expect(!KafkaError(code: nil, name: "_TRANSPORT", message: "_ALL_BROKERS_DOWN").isBrokerUnreachable)
    }
}
