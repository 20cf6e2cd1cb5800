import Kafka

/// The broker faults of issue 12 on librdkafka's mock cluster, while records flow: two leader
/// changes, fetches failing with leader, timeout and transport errors, and the broker that leads
/// partition 1 going away and coming back (a broker restart). Records are `{"n":<i>}`, i from 0.
public enum MockClusterFaultDrill {
    /// Creates `topic` with 2 partitions on 3 brokers, led by brokers 1 and 2.
    public static func prepare(_ cluster: KafkaMockCluster, topic: String) throws {
        try cluster.createTopic(topic, partitions: 2, replicationFactor: 3)
        try cluster.setLeader(topic: topic, partition: 0, broker: 1)
        try cluster.setLeader(topic: topic, partition: 1, broker: 2)
    }

    /// Produces 400 records through the faults (200 to each partition); returns how many.
    public static func run(_ cluster: KafkaMockCluster, producer: KafkaProducer, topic: String) throws -> Int {
        var produced = 0
        func produce(_ count: Int, partition: Int32? = nil) throws {
            for _ in 0..<count {
                try producer.send(topic: topic, value: Array("{\"n\":\(produced)}".utf8), partition: partition ?? Int32(produced % 2))
                produced += 1
            }
            try producer.flush()
        }
        try produce(100)
        try cluster.setLeader(topic: topic, partition: 0, broker: 3)
        cluster.failNextRequests(.fetch, with: [KafkaMockCluster.ErrorCode.notLeaderForPartition,
                                                KafkaMockCluster.ErrorCode.leaderNotAvailable,
                                                KafkaMockCluster.ErrorCode.requestTimedOut,
                                                KafkaMockCluster.ErrorCode.transport])
        try produce(100)
        try cluster.setLeader(topic: topic, partition: 1, broker: 1)
        cluster.failNextRequests(.fetch, with: [KafkaMockCluster.ErrorCode.transport, KafkaMockCluster.ErrorCode.notLeaderForPartition])
        try produce(100)
        // Partition 0 keeps flowing while broker 1 is away; partition 1 resumes where it stopped.
        try cluster.setBroker(1, up: false)
        try produce(50, partition: 0)
        try cluster.setBroker(1, up: true)
        try produce(50, partition: 1)
        return produced
    }
}
