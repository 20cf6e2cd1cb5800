import ArgumentParser
import Foundation
import Kafka
import Logging

/// The raw librdkafka figure of the ingest benchmark (`scripts/bench-ingest`; the hidden
/// `kafka-demo-producer --consume-only N --topic T`): consumes the topic from its beginning with
/// ingestd's consumer (same wrapper, same librdkafka defaults, records copied out the same way)
/// and does nothing else with the records: no decoding, no publishing.
///
/// The driver times it like ingestd, from outside: a line `first` when the first record arrived,
/// `done` once `count` had, then the process waits for its standard input to close so the driver
/// can read its CPU time and peak RSS from `/proc`.
struct RawConsumeBenchmark {
    let kafkaHosts: String
    let topic: String
    let count: Int

    func run() throws {
        let configuration = KafkaConsumerConfiguration(
            bootstrapServers: kafkaHosts, groupID: "bench-raw-\(UInt64.random(in: 0...UInt64.max))")
        let consumer = try KafkaConsumer(configuration: configuration, logger: Logger(label: "raw-consume"))
        try consumer.assign(try partitions(consumer).map {
            KafkaTopicPartition(topic: topic, partition: $0, offset: KafkaOffset.beginning)
        })
        var received = 0
        let deadline = ContinuousClock.now.advanced(by: .seconds(300))
        while received < count {
            guard ContinuousClock.now < deadline else {
                throw ValidationError("only \(received) of \(count) records of \(topic) arrived within 300 s")
            }
            for event in consumer.poll(maxEvents: 2000, timeout: .milliseconds(100)) {
                guard case .message = event else { continue }
                if received == 0 { say("first") }
                received += 1
            }
        }
        say("done")
        _ = FileHandle.standardInput.readDataToEndOfFile()
        consumer.close()
    }

    /// The topic's partitions, waiting up to 30 s for its metadata.
    private func partitions(_ consumer: KafkaConsumer) throws -> [Int32] {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while true {
            if let found = try? consumer.topics(timeout: .seconds(5)).first(where: { $0.name == topic }),
               found.error == nil, !found.partitions.isEmpty {
                return found.partitions
            }
            guard ContinuousClock.now < deadline else { throw ValidationError("topic \(topic) not found") }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }

    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
