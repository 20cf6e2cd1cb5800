import ArgumentParser
import Avro
import DemoData
import Dispatch
import Foundation
import Kafka
import Logging

/// Feeds a broker with demo data shaped like the two seed systems: a solar-thermal plant's
/// sensors as Avro DataRecords on `stcs.*` topics, and a Price Wars market as JSON records
/// (see `DemoStream`). Runs until SIGINT/SIGTERM (or `--rounds` ticks).
/// With `--preload`, writes a fixed number of benchmark records as fast as it can, then exits.
@main
struct DemoProducerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka-demo-producer",
        abstract: "Produces demo records (solar plant Avro on stcs.*, Price Wars JSON) to Kafka.",
        discussion: """
            Demo merchant tokens for exportd (each opens that merchant's exports): \
            \(DemoMerchant.all.map { "\($0.name): \($0.token)" }.joined(separator: ", ")).
            """)

    @Option(help: "Kafka bootstrap servers (KAFKA_HOSTS).")
    var kafkaHosts = ProcessInfo.processInfo.environment["KAFKA_HOSTS"] ?? "127.0.0.1:9092"
    @Option(help: "Folder with kafka.timestamp-data.avsc (the DataRecord schema).")
    var fixtures = "../shared/fixtures"
    @Option(help: "Records per second, all topics together (demo mode).")
    var rate: Double = 20
    @Option(help: "Wall-clock seconds a simulated day lasts (demo mode): the sun rises and sets within it.")
    var dayLength: Double = 600
    @Option(help: "Seed of the simulation's randomness.")
    var seed: UInt64 = 42
    @Option(help: "Stop after this many ticks (0: run until stopped).")
    var rounds = 0
    @Option(help: "Benchmark preload: write this many records to --topic and exit.")
    var preload: Int?
    @Option(help: "Benchmark record kind for --preload: avro (DataRecord with 10 map entries) or json (300-byte objects).")
    var kind = "avro"
    @Option(help: "Topic for --preload.")
    var topic = "bench"
    @Option(help: "Partitions of topics this tool creates.")
    var partitions: Int32 = 1
    @Option(help: .hidden)
    var consumeOnly: Int?

    func validate() throws {
        guard rate > 0, rate <= 1_000_000 else { throw ValidationError("--rate must be above 0 and at most 1000000 (records/s)") }
        guard dayLength >= 1 else { throw ValidationError("--day-length must be at least 1 (seconds)") }
        guard rounds >= 0 else { throw ValidationError("--rounds must not be negative") }
        guard (preload ?? 0) >= 0 else { throw ValidationError("--preload must not be negative") }
        guard (consumeOnly ?? 1) >= 1 else { throw ValidationError("--consume-only must be at least 1") }
        guard kind == "avro" || kind == "json" else { throw ValidationError("--kind must be avro or json") }
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1") }
    }

    func run() throws {
        if let consumeOnly {
            try RawConsumeBenchmark(kafkaHosts: kafkaHosts, topic: topic, count: consumeOnly).run()
            return
        }
        let schemaPath = URL(fileURLWithPath: fixtures).appendingPathComponent("kafka.timestamp-data.avsc").path
        let schema: AvroSchema
        do {
            schema = try AvroSchema(contentsOfFile: schemaPath)
        } catch {
            throw ValidationError("cannot read the DataRecord schema \(schemaPath): \(error)")
        }
        let producer = try KafkaProducer(bootstrapServers: kafkaHosts,
                                         properties: ["linger.ms": "20", "batch.num.messages": "10000",
                                                      "queue.buffering.max.messages": "1000000"])
        if let preload {
            try preloadBenchmark(producer: producer, schema: schema, count: preload)
        } else {
            try runDemo(producer: producer, schema: schema)
        }
    }

    private func preloadBenchmark(producer: KafkaProducer, schema: AvroSchema, count: Int) throws {
        let records = try BenchmarkRecords(schema: schema)
        try producer.createTopics([topic], partitions: partitions)
        let start = Date()
        for index in 0..<count {
            let value = kind == "json" ? records.json(index) : try records.avro(index)
            try producer.send(topic: topic, value: value)
        }
        try producer.flush(timeout: .seconds(120))
        let seconds = Date().timeIntervalSince(start)
        say("preloaded \(count) \(kind) records into \(topic) in \(String(format: "%.1f", seconds)) s")
    }

    private func runDemo(producer: KafkaProducer, schema: AvroSchema) throws {
        let stop = StopSignal()
        try createTopics(producer: producer, stop: stop)
        var stream = try DemoStream(schema: schema, dayLength: dayLength, seed: seed)
        say("kafka-demo-producer: writing \(rate) records/s to \(DemoStream.topics.joined(separator: ", ")) on \(kafkaHosts); a day lasts \(Int(dayLength)) s")

        var batch: [DemoRecord] = []
        let start = DispatchTime.now().uptimeNanoseconds
        var sent = 0
        var lastFlush = start
        var tick = 0
        while !stop.isStopped && (rounds == 0 || tick < rounds) {
            batch.removeAll(keepingCapacity: true)
            try stream.tick(at: Date().timeIntervalSince1970, into: &batch)
            for record in batch {
                try producer.send(topic: record.topic, key: record.key, value: record.value)
            }
            sent += batch.count
            tick += 1
            let now = DispatchTime.now().uptimeNanoseconds
            if now - lastFlush >= 1_000_000_000 {
                flushReportingFailures(producer)
                lastFlush = now
            }
            // Records sent so far are due at start + sent / rate: sleep until then.
            stop.sleep(untilUptimeNanoseconds: start + UInt64(Double(sent) / rate * 1e9))
        }
        flushReportingFailures(producer)
        say("kafka-demo-producer: stopped after \(sent) records")
    }

    /// Creates the demo topics, retrying for up to a minute while the broker starts.
    private func createTopics(producer: KafkaProducer, stop: StopSignal) throws {
        var attempt = 0
        while true {
            do {
                try producer.createTopics(DemoStream.topics, partitions: partitions)
                return
            } catch {
                attempt += 1
                if attempt >= 12 || stop.isStopped { throw error }
                say("kafka-demo-producer: cannot create topics yet (\(error)); retrying in 5 s")
                stop.sleep(untilUptimeNanoseconds: DispatchTime.now().uptimeNanoseconds + 5_000_000_000)
            }
        }
    }

    /// Demo data may be lost when the broker is away: say so and go on.
    private func flushReportingFailures(_ producer: KafkaProducer) {
        do {
            try producer.flush()
        } catch {
            say("kafka-demo-producer: \(error)")
        }
    }
}

/// Writes a line to standard output at once (no buffering: run-local and compose show it live).
private func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
