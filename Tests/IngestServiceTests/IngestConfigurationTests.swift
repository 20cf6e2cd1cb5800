import Foundation
import IngestService
import Kafka
import Testing
import TestSupport

@Suite struct IngestConfigurationTests {
    @Test func defaultsMatchTheSeed() throws {
        let config = try IngestCommand.read(environment: [:])
        #expect(config.kafkaHosts == "kafka:9092")
        #expect(config.consumerGroup == "web-redirect")
        #expect(config.allowedTopicsRegex == ".*")
        #expect(config.historySize == 100)
        #expect(config.busPublishBind == "tcp://*:5556")
        #expect(config.busSnapshotBind == "tcp://*:5557")
        #expect(config.httpPort == 5001)
        #expect(config.loggingLevel == .info)
        try config.validate()
    }

    @Test func limitsHaveDocumentedDefaultsAndAreRead() throws {
        let defaults = try IngestCommand.read(environment: [:])
        #expect(defaults.busMaxConcurrentReplays == 8 && defaults.busMaxQueuedReplays == 64)
        #expect(defaults.busPresenceMaxReplicas == 256 && defaults.busPresenceMaxClients == 1_000_000)
        #expect(defaults.busMaxMessageBytes == 1 << 20 && defaults.avroMaxJSONBytes == 16 << 20)
        #expect(defaults.busCurveSecretKey == nil && defaults.busCurveClientKeys.isEmpty)
        #expect(defaults.recordMaxHeaders == 64 && defaults.recordMaxHeaderBytes == 16384)
        #expect(defaults.busPackRecords == 256)
        #expect(try IngestCommand.read(environment: ["BUS_PACK_RECORDS": "4096"]).busPackRecords == 4096)
        #expect(defaults.consumerConfiguration.headerLimits == KafkaHeaderLimits(maximumCount: 64, maximumBytes: 16384))
        let headers = try IngestCommand.read(environment: ["RECORD_MAX_HEADERS": "0", "RECORD_MAX_HEADER_BYTES": "65535"])
        #expect(headers.consumerConfiguration.headerLimits == KafkaHeaderLimits(maximumCount: 0, maximumBytes: 65535))
        let set = try IngestCommand.read(environment: [
            "BUS_MAX_CONCURRENT_REPLAYS": "3", "BUS_MAX_QUEUED_REPLAYS": "4", "BUS_PRESENCE_MAX_REPLICAS": "5",
            "BUS_PRESENCE_MAX_CLIENTS": "6", "BUS_MAX_MESSAGE_BYTES": "70000", "AVRO_MAX_JSON_BYTES": "80000",
            "BUS_CURVE_CLIENT_KEYS": " a , b,"])
        #expect(set.busMaxConcurrentReplays == 3 && set.busMaxQueuedReplays == 4)
        #expect(set.busPresenceMaxReplicas == 5 && set.busPresenceMaxClients == 6)
        #expect(set.busMaxMessageBytes == 70000 && set.avroMaxJSONBytes == 80000)
        #expect(set.busCurveClientKeys == ["a", "b"])
    }

    @Test func environmentIsRead() throws {
        let schema = TestEnvironment.fixture("kafka.timestamp-data.avsc").path
        let config = try IngestCommand.read(environment: [
            "KAFKA_HOSTS": "a:1,b:2", "CONSUMER_GROUP": "g", "ALLOWED_TOPIC_REGEX": "^stcs\\.",
            "KAFKA_SCHEMA": schema, "HISTORY_SIZE": "7", "INGEST_HTTP_PORT": "6001",
            "LOGGING_LEVEL": "debug", "BUS_PUBLISH_BIND": "tcp://127.0.0.1:7000",
            "KAFKA_PROPERTY_SESSION_TIMEOUT_MS": "6000", "KAFKA_PROPERTY_SASL_OAUTHBEARER_CONFIG": "x",
        ])
        #expect(config.kafkaHosts == "a:1,b:2")
        #expect(config.consumerGroup == "g")
        #expect(config.allowedTopicsRegex == "^stcs\\.")
        #expect(config.kafkaSchema == schema)
        #expect(config.historySize == 7)
        #expect(config.httpPort == 6001)
        #expect(config.loggingLevel == .debug)
        #expect(config.busPublishBind == "tcp://127.0.0.1:7000")
        #expect(config.kafkaProperties == ["session.timeout.ms": "6000", "sasl.oauthbearer.config": "x"])
        try config.validate()
    }

    /// A blank variable is an unset one, for every setting (compose files leave some empty).
    @Test func blankVariablesKeepTheDefaults() throws {
        let config = try IngestCommand.read(environment: ["KAFKA_HOSTS": " ", "HISTORY_SIZE": "", "KAFKA_SCHEMA": "\t"])
        #expect(config.kafkaHosts == IngestConfiguration().kafkaHosts && config.historySize == 100 && config.kafkaSchema == nil)
    }

    @Test func theNewerRegexNameWins() throws {
        let config = try IngestCommand.read(environment: ["ALLOWED_TOPICS_REGEX": "a", "ALLOWED_TOPIC_REGEX": "b"])
        #expect(config.allowedTopicsRegex == "a")
    }

    @Test func propertyNamesMapDoubleUnderscoreToUnderscore() {
        #expect(IngestConfiguration.kafkaPropertyName(fromEnvironment: "KAFKA_PROPERTY_LOG__LEVEL") == "log_level")
        #expect(IngestConfiguration.kafkaPropertyName(fromEnvironment: "KAFKA_PROPERTY_FETCH_MAX_BYTES") == "fetch.max.bytes")
    }

    @Test func flagsOverrideEnvironment() throws {
        let config = try IngestCommand.resolve(
            arguments: ["--kafka-hosts", "flag:9", "--history-size", "5", "--kafka-property", "session.timeout.ms=7000",
                        "--logging-level", "ERROR"],
            environment: ["KAFKA_HOSTS": "env:1", "HISTORY_SIZE": "50", "KAFKA_PROPERTY_SESSION_TIMEOUT_MS": "6000"])
        #expect(config.kafkaHosts == "flag:9")
        #expect(config.historySize == 5)
        #expect(config.kafkaProperties["session.timeout.ms"] == "7000")
        #expect(config.loggingLevel == .error)
    }

    @Test(arguments: [
        (["HISTORY_SIZE": "0"], "HISTORY_SIZE"),
        (["HISTORY_SIZE": "many"], "HISTORY_SIZE"),
        (["INGEST_HTTP_PORT": "70000"], "INGEST_HTTP_PORT"),
        (["LOGGING_LEVEL": "LOUD"], "LOGGING_LEVEL"),
        (["ALLOWED_TOPICS_REGEX": "(unclosed"], "ALLOWED_TOPICS_REGEX"),
        (["BUS_PUBLISH_BIND": "localhost:5556"], "BUS_PUBLISH_BIND"),
        (["BUS_PUBLISH_BIND": "tcp://*:1", "BUS_SNAPSHOT_BIND": "tcp://*:1"], "BUS_SNAPSHOT_BIND"),
        (["KAFKA_PROPERTY_NO_SUCH_THING": "1"], "KAFKA_PROPERTY_*"),
        (["KAFKA_PROPERTY_SESSION_TIMEOUT_MS": "soon"], "KAFKA_PROPERTY_*"),
        (["KAFKA_SCHEMA": "/nonexistent/schema.avsc"], "KAFKA_SCHEMA"),
        (["TOPIC_FORMATS": "^a=protobuf"], "TOPIC_FORMATS"),
        (["TOPIC_FORMATS": ".*=registry"], "SCHEMA_REGISTRY_URL"),
        (["SCHEMA_REGISTRY_URL": "ftp://x", "TOPIC_FORMATS": ".*=registry"], "SCHEMA_REGISTRY_URL"),
        (["BUS_MAX_CONCURRENT_REPLAYS": "0"], "BUS_MAX_CONCURRENT_REPLAYS"),
        (["BUS_MAX_QUEUED_REPLAYS": "-1"], "BUS_MAX_QUEUED_REPLAYS"),
        (["BUS_PRESENCE_MAX_REPLICAS": "100000"], "BUS_PRESENCE_MAX_REPLICAS"),
        (["BUS_PRESENCE_MAX_CLIENTS": "-1"], "BUS_PRESENCE_MAX_CLIENTS"),
        (["BUS_MAX_MESSAGE_BYTES": "10"], "BUS_MAX_MESSAGE_BYTES"),
        (["AVRO_MAX_JSON_BYTES": "lots"], "AVRO_MAX_JSON_BYTES"),
        (["RECORD_MAX_HEADERS": "1025"], "RECORD_MAX_HEADERS"),
        (["RECORD_MAX_HEADER_BYTES": "65536"], "RECORD_MAX_HEADER_BYTES"),
        (["RECORD_MAX_HEADER_BYTES": "-1"], "RECORD_MAX_HEADER_BYTES"),
        (["BUS_PACK_RECORDS": "0"], "BUS_PACK_RECORDS"),
        (["BUS_PACK_RECORDS": "4097"], "BUS_PACK_RECORDS"),
        (["BUS_CURVE_SECRET_KEY": "not-a-key"], "BUS_CURVE_SECRET_KEY"),
        (["BUS_CURVE_CLIENT_KEYS": "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"], "BUS_CURVE_CLIENT_KEYS"),
        (["SHARD_COUNT": "0"], "SHARD_COUNT"),
        (["SHARD_COUNT": "1025"], "SHARD_COUNT"),
        (["SHARD_COUNT": "two"], "SHARD_COUNT"),
        (["SHARD_INDEX": "1"], "SHARD_INDEX"),
        (["SHARD_COUNT": "2", "SHARD_INDEX": "2"], "SHARD_INDEX"),
        (["SHARD_COUNT": "2", "SHARD_INDEX": "-1"], "SHARD_INDEX"),
    ])
    func badSettingsAreNamed(environment: [String: String], setting: String) {
        do {
            let config = try IngestCommand.read(environment: environment)
            try config.validate()
            Issue.record("\(environment) was accepted")
        } catch {
            #expect(error.setting == setting, "\(error)")
        }
    }

    /// Unset, ingestd is one shard that owns every partition (today's full mirror); set, shard
    /// `i` of `n` owns the partitions `p` with `p mod n == i`, each partition exactly one shard.
    @Test func shardsSplitThePartitionsByNumber() throws {
        let defaults = try IngestCommand.read(environment: [:])
        #expect(defaults.shardCount == 1 && defaults.shardIndex == 0 && defaults.shard == .all)
        #expect(!defaults.shard.isSharded && (0..<64).allSatisfy { defaults.shard.owns($0) })
        let config = try IngestCommand.read(environment: ["SHARD_COUNT": "3", "SHARD_INDEX": "1"])
        try config.validate()
        #expect(config.shard == PartitionShard(count: 3, index: 1) && config.shard.description == "1/3")
        #expect((0..<9).filter { config.shard.owns($0) } == [1, 4, 7])
        let shards = (0..<3).map { PartitionShard(count: 3, index: $0) }
        for partition in Int32(0)..<100 { #expect(shards.filter { $0.owns(partition) }.count == 1) }
        let flagged = try IngestCommand.resolve(arguments: ["--shard-count", "4", "--shard-index", "3"], environment: [:])
        #expect(flagged.shardCount == 4 && flagged.shardIndex == 3)
    }

    @Test func selectorMatchesAnywhereLikeReSearchAndNeverInternalTopics() throws {
        let all = try TopicSelector(pattern: ".*")
        #expect(all.accepts("buyOffer"))
        #expect(!all.accepts("__consumer_offsets"))
        #expect(!all.accepts("_schemas"))
        let stcs = try TopicSelector(pattern: "stcs\\.")
        #expect(stcs.accepts("stcs.solar.temp"))
        #expect(stcs.accepts("other.stcs.x"))  // re.search, as the solar gateway
        let collector = try TopicSelector(pattern: "collector$")
        #expect(collector.accepts("stcs.solar.collector"))
        #expect(!collector.accepts("stcs.solar.collector.raw"))
        let anchored = try TopicSelector(pattern: "^stcs\\.")
        #expect(!anchored.accepts("other.stcs.x"))
    }

    /// The docs' settings table is the declared one (`ingestd --settings-markdown` writes it).
    @Test func theDocsListEverySettingAsDeclared() throws {
        let docs = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/ingestd.md"), encoding: .utf8)
        let table = IngestCommand.settings.markdown(defaults: IngestConfiguration())
        #expect(docs.contains(table), "docs/ingestd.md drifted from the code; replace its settings table with:\n\(table)")
    }
}
