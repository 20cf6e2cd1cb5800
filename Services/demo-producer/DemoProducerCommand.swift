import ArgumentParser
import Avro
import Foundation
import Kafka

/// Feeds a broker with demo data shaped like the two seed systems: Price Wars JSON records
/// (from the fixtures, re-stamped with the current time) and solar-plant Avro DataRecords.
/// With `--preload`, writes a fixed number of benchmark records as fast as it can, then exits.
@main
struct DemoProducerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-demo-producer",
        abstract: "Produces demo records (Price Wars JSON, solar Avro) to Kafka.")

    @Option(help: "Kafka bootstrap servers (KAFKA_HOSTS).")
    var kafkaHosts = ProcessInfo.processInfo.environment["KAFKA_HOSTS"] ?? "127.0.0.1:9092"
    @Option(help: "Folder with buyOffer.jsonl, marketSituation.jsonl and kafka.timestamp-data.avsc.")
    var fixtures = "../shared/fixtures"
    @Option(help: "Pause between demo rounds, in milliseconds.")
    var intervalMs = 1000
    @Option(help: "Stop after this many rounds (0: run until stopped).")
    var rounds = 0
    @Option(help: "Benchmark preload: write this many records to --topic and exit.")
    var preload: Int?
    @Option(help: "Benchmark record kind for --preload: avro (DataRecord with 10 map entries) or json (300-byte objects).")
    var kind = "avro"
    @Option(help: "Topic for --preload.")
    var topic = "bench"
    @Option(help: "Partitions of topics this tool creates.")
    var partitions: Int32 = 1

    func run() throws {
        let producer = try KafkaProducer(bootstrapServers: kafkaHosts,
                                         properties: ["linger.ms": "20", "batch.num.messages": "10000",
                                                      "queue.buffering.max.messages": "1000000"])
        let schema = try AvroSchema(contentsOfFile: URL(fileURLWithPath: fixtures).appendingPathComponent("kafka.timestamp-data.avsc").path)
        let records = try DemoRecords(fixtures: URL(fileURLWithPath: fixtures), schema: schema)
        if let preload {
            try producer.createTopics([topic], partitions: partitions)
            let start = Date()
            for index in 0..<preload {
                let value = kind == "json" ? records.benchJSON(index) : try records.benchAvro(index)
                try producer.send(topic: topic, value: value)
            }
            try producer.flush(timeout: .seconds(120))
            let seconds = Date().timeIntervalSince(start)
            print("preloaded \(preload) \(kind) records into \(topic) in \(String(format: "%.1f", seconds)) s")
            return
        }
        try producer.createTopics(DemoRecords.topics, partitions: partitions)
        print("kafka-demo-producer: writing to \(DemoRecords.topics.joined(separator: ", ")) on \(kafkaHosts) every \(intervalMs) ms")
        var round = 0
        while rounds == 0 || round < rounds {
            for (topic, key, value) in try records.round(round) {
                try producer.send(topic: topic, key: key, value: value)
            }
            try producer.flush()
            round += 1
            Thread.sleep(forTimeInterval: Double(intervalMs) / 1000)
        }
    }
}
