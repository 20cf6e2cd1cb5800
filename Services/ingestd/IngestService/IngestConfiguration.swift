import Bus
import Foundation
import Kafka
import Logging

/// Everything ingestd needs to run, with the defaults of the seed systems.
///
/// Filled from environment variables, then from command-line flags (which win), and checked by
/// `validate()` before anything starts.
public struct IngestConfiguration: Sendable {
    /// `KAFKA_HOSTS`: bootstrap servers, comma-separated.
    public var kafkaHosts = "kafka:9092"
    /// `CONSUMER_GROUP`: the Kafka consumer group.
    public var consumerGroup = "web-redirect"
    /// `ALLOWED_TOPICS_REGEX` (or the seed's `ALLOWED_TOPIC_REGEX`): topics to consume, matched
    /// anywhere in the name like the solar gateway's Python `re.search` (anchor with `^`/`$`).
    /// Names starting with `_` never are.
    public var allowedTopicsRegex = ".*"
    /// `KAFKA_SCHEMA`: Avro schema file used for every topic when `TOPIC_FORMATS` is not set.
    public var kafkaSchema: String?
    /// `SCHEMA_REGISTRY_URL`: Confluent Schema Registry for `registry` topics.
    public var schemaRegistryURL: String?
    /// `TOPIC_FORMATS`: `regex=format` rules separated by `;`, first match wins.
    public var topicFormats: String?
    /// `BUS_PUBLISH_BIND`: where the ZeroMQ PUB socket binds.
    public var busPublishBind = "tcp://*:5556"
    /// `BUS_SNAPSHOT_BIND`: where the ZeroMQ ROUTER socket for snapshots and replays binds.
    public var busSnapshotBind = "tcp://*:5557"
    /// `HISTORY_SIZE`: records kept per topic for snapshots.
    public var historySize = 100
    /// `INGEST_HTTP_HOST`: address of the health and metrics endpoint.
    public var httpHost = "0.0.0.0"
    /// `INGEST_HTTP_PORT`: port of the health and metrics endpoint.
    public var httpPort = 5001
    /// `LOGGING_LEVEL`: CRITICAL, ERROR, WARNING, INFO or DEBUG.
    public var loggingLevel: Logger.Level = .info
    /// `START_FROM`: where a partition found at start-up starts. `end` (default): its last
    /// `HISTORY_SIZE` records go to the cache, then new records are published. `beginning`:
    /// every record it holds is published (and cached) in order. Partitions that appear while
    /// ingestd runs always start at the group's committed offset, else at their beginning.
    public var startFrom: StartPosition = .end
    /// `TOPIC_REFRESH_INTERVAL_MS`: how often the topic list is read to pick up new topics.
    public var topicRefreshIntervalMilliseconds = 2000
    /// `BUS_MAX_CONCURRENT_REPLAYS`: REPLAY requests read from Kafka at once (each holds a
    /// librdkafka client).
    public var busMaxConcurrentReplays = 8
    /// `BUS_MAX_QUEUED_REPLAYS`: REPLAY requests waiting for a turn; more are refused with ERROR.
    public var busMaxQueuedReplays = 64
    /// `BUS_PRESENCE_MAX_REPLICAS`: replicas in the presence table; PRESENCE from one more is refused.
    public var busPresenceMaxReplicas = 256
    /// `BUS_PRESENCE_MAX_CLIENTS`: the most clients one replica may report; more is refused.
    public var busPresenceMaxClients = 1_000_000
    /// `BUS_MAX_MESSAGE_BYTES`: the largest message ingestd's bus sockets accept (ZMQ_MAXMSGSIZE);
    /// a peer sending a larger one is disconnected.
    public var busMaxMessageBytes = 1 << 20
    /// `BUS_PACK_RECORDS`: the most records of one topic and partition sent as one bus message
    /// (a version 3 pack, `BusRecordPack`), while every subscriber announces that it reads packs
    /// (`BusSubscriptionCensus`); otherwise, and with 1, every record is its own message.
    public var busPackRecords = 256
    /// `AVRO_MAX_JSON_BYTES`: the most JSON text one Avro datum may become; larger is a decode error.
    public var avroMaxJSONBytes = 16 << 20
    /// `RECORD_MAX_HEADERS`: Kafka headers kept per record, in order; later ones are left out
    /// (counted). 0 publishes no headers at all: every record in the version 1 format, for
    /// subscribers older than headers.
    public var recordMaxHeaders = 64
    /// `RECORD_MAX_HEADER_BYTES`: bytes of header names and values kept per record; the header
    /// that would pass it and all after it are left out (counted).
    public var recordMaxHeaderBytes = 16 * 1024
    /// `BUS_CURVE_SECRET_KEY`: the bus's CURVE server secret key (Z85, 40 characters). Set: both
    /// bus sockets require CURVE; subscribers need the matching public key.
    public var busCurveSecretKey: String?
    /// `BUS_CURVE_CLIENT_KEYS`: comma-separated Z85 public keys of the subscribers admitted
    /// (only with `BUS_CURVE_SECRET_KEY`). Unset: any client that knows the server's public key.
    public var busCurveClientKeys: [String] = []
    /// `SHARD_COUNT`: how many ingestd processes split the partitions of the selected topics
    /// (1: this one consumes every partition).
    public var shardCount = 1
    /// `SHARD_INDEX`: which of the `SHARD_COUNT` shards this is (`0..<SHARD_COUNT`); it owns
    /// partition `p` when `p mod SHARD_COUNT == SHARD_INDEX`.
    public var shardIndex = 0
    /// `DECODE_THREADS`: threads decoding records, in parallel with the thread that consumes
    /// and publishes (records keep their order). The number of cores by default.
    public var decodeThreads = ProcessInfo.processInfo.activeProcessorCount
    /// `KAFKA_PROPERTY_<NAME>` variables and `--kafka-property name=value` flags: any librdkafka
    /// property, applied last.
    public var kafkaProperties: [String: String] = [:]

    public init() {}

    /// Where a newly found partition starts.
    public enum StartPosition: String, Sendable, CaseIterable {
        case end
        case beginning
    }

    /// The partitions this ingestd owns (`SHARD_COUNT`, `SHARD_INDEX`).
    public var shard: PartitionShard { PartitionShard(count: shardCount, index: shardIndex) }

    /// Options of ingestd's two bus sockets.
    public var busSecurity: BusSocketSecurity {
        BusSocketSecurity(maximumMessageBytes: Int64(busMaxMessageBytes), curveServerSecretKey: busCurveSecretKey)
    }

    /// The consumer configuration handed to the Kafka wrapper.
    public var consumerConfiguration: KafkaConsumerConfiguration {
        var consumer = KafkaConsumerConfiguration(bootstrapServers: kafkaHosts, groupID: consumerGroup, properties: kafkaProperties,
                                                  headerLimits: KafkaHeaderLimits(maximumCount: recordMaxHeaders,
                                                                                  maximumBytes: recordMaxHeaderBytes))
        // Offsets are committed only once their records are published (IngestConsumerLoop).
        consumer.storesOffsetsExplicitly = true
        return consumer
    }
}
