import CRdkafka

/// librdkafka's built-in mock Kafka cluster (`test.mock.num.brokers`, `rdkafka_mock.h`), for
/// fault-injection tests: real brokers on loopback ports that any Kafka client (another process
/// too) can use, whose partition leaders can be moved and whose requests can be made to fail, so
/// leader changes and request errors are real protocol events. Lives as long as this object.
///
/// Not thread-safe beyond what librdkafka guarantees; use it from one task at a time.
public final class KafkaMockCluster: @unchecked Sendable {
    /// Protocol request types (Kafka ApiKeys) whose errors can be injected.
    public enum RequestKind: Int16, Sendable {
        case produce = 0
        case fetch = 1
        case listOffsets = 2
        case metadata = 3
        case offsetCommit = 8
        case offsetFetch = 9
    }

    private let client: RDKafkaClient
    private let cluster: OpaquePointer

    /// Starts a cluster of `brokers` mock brokers (ids 1...brokers).
    public init(brokers: Int = 3) throws(KafkaError) {
        client = try RDKafkaClient(kind: .producer, properties: ["test.mock.num.brokers": String(brokers), "log_level": "3"])
        guard let cluster = rd_kafka_handle_mock_cluster(client.handle) else {
            throw KafkaError(message: "librdkafka did not create a mock cluster")
        }
        self.cluster = cluster
    }

    /// The cluster's `bootstrap.servers`.
    public var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    /// Creates a topic (the mock brokers do not support the CreateTopics API).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        try RDKafkaClient.check(rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor), "mock topic create")
    }

    /// Makes `broker` the leader of a partition (-1: no leader).
    public func setLeader(topic: String, partition: Int32, broker: Int32) throws(KafkaError) {
        try RDKafkaClient.check(rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker), "mock set leader")
    }

    /// Disconnects a broker and refuses its connections (`up: false`), or accepts them again;
    /// leaders stay where they are.
    public func setBroker(_ broker: Int32, up: Bool) throws(KafkaError) {
        let err = up ? rd_kafka_mock_broker_set_up(cluster, broker) : rd_kafka_mock_broker_set_down(cluster, broker)
        try RDKafkaClient.check(err, up ? "mock broker up" : "mock broker down")
    }

    /// The next `errors.count` requests of `kind` fail with these errors, in order (by error
    /// name, e.g. `NOT_LEADER_FOR_PARTITION`, `REQUEST_TIMED_OUT`, `_TRANSPORT` to disconnect).
    public func failNextRequests(_ kind: RequestKind, with errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, kind.rawValue, buffer.count, buffer.baseAddress)
        }
    }

    /// Error codes for ``failNextRequests(_:with:)``.
    public enum ErrorCode {
        public static let notLeaderForPartition = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue
        public static let leaderNotAvailable = RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue
        public static let requestTimedOut = RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue
        public static let transport = RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
    }
}
