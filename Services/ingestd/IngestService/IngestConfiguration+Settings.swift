import ServiceSupport

extension IngestConfiguration {
    /// The prefix of environment variables that set librdkafka properties:
    /// `KAFKA_PROPERTY_SESSION_TIMEOUT_MS=6000` sets `session.timeout.ms`. After the prefix, the
    /// name is lowercased, `__` becomes `_` and `_` becomes `.`.
    public static let kafkaPropertyPrefix = "KAFKA_PROPERTY_"

    /// `KAFKA_PROPERTY_SASL_OAUTHBEARER_CONFIG` -> `sasl.oauthbearer.config`; `__` -> `_`.
    public static func kafkaPropertyName(fromEnvironment name: String) -> String {
        kafkaPropertyKey(String(name.dropFirst(kafkaPropertyPrefix.count)))
    }

    /// `SESSION_TIMEOUT_MS` -> `session.timeout.ms`; `__` -> `_`.
    static func kafkaPropertyKey(_ suffix: String) -> String {
        suffix.lowercased().replacingOccurrences(of: "__", with: "\u{0}")
            .replacingOccurrences(of: "_", with: ".")
            .replacingOccurrences(of: "\u{0}", with: "_")
    }

    /// ingestd's settings, once: they drive the environment, the flags, `--help` and the
    /// settings table of docs/ingestd.md (a test fails when the docs drift).
    public static var settings: SettingTable<IngestConfiguration> {
        SettingTable([
            .text("KAFKA_HOSTS", \.kafkaHosts, "bootstrap servers"),
            .text("CONSUMER_GROUP", \.consumerGroup, "consumer group (committed offsets)"),
            .text("ALLOWED_TOPICS_REGEX", aliases: ["ALLOWED_TOPIC_REGEX"], \.allowedTopicsRegex,
                  "topics to consume: a regex that matches anywhere in the name (`re.search`); topics starting with `_` never are"),
            .optionalText("KAFKA_SCHEMA", \.kafkaSchema, "Avro schema file for every topic when `TOPIC_FORMATS` is unset; unset means JSON"),
            .optionalText("TOPIC_FORMATS", \.topicFormats,
                          "`regex=format` rules separated by `;`, first match wins; `avro:<file>`, `registry`, `json`, `string`, `auto` (see `record-decoding.md`)"),
            .optionalText("SCHEMA_REGISTRY_URL", \.schemaRegistryURL, "Confluent Schema Registry for `registry` topics"),
            .text("BUS_PUBLISH_BIND", \.busPublishBind, "PUB socket for live records"),
            .text("BUS_SNAPSHOT_BIND", \.busSnapshotBind, "ROUTER socket for snapshots and replays"),
            .integer("HISTORY_SIZE", \.historySize, "records cached per topic (1 to 100000)"),
            .choice("START_FROM", \.startFrom, StartPosition.allCases.map { ($0.rawValue, $0) },
                    "where a partition found at start-up starts: `end` (after its history) or `beginning`; partitions appearing later always start at their committed offset or beginning"),
            .text("INGEST_HTTP_HOST", flag: "--http-host", \.httpHost, "address of `/health` and `/metrics`"),
            .integer("INGEST_HTTP_PORT", flag: "--http-port", \.httpPort, "port of `/health` and `/metrics`"),
            .loggingLevel(\.loggingLevel),
            .integer("TOPIC_REFRESH_INTERVAL_MS", \.topicRefreshIntervalMilliseconds, "how often the topic list is read"),
            .integer("SHARD_COUNT", \.shardCount,
                     "ingestd processes that split the partitions (1 to 1024); `1`: this one consumes every partition. Each shard has its own bus endpoints; realtimed and exportd follow all of them (see [deployment.md](deployment.md#beyond-one-machine))"),
            .integer("SHARD_INDEX", \.shardIndex,
                     "this shard, `0` to `SHARD_COUNT - 1`: it consumes, caches, publishes and replays partition `p` of every selected topic when `p mod SHARD_COUNT == SHARD_INDEX`"),
            .integer("BUS_MAX_CONCURRENT_REPLAYS", \.busMaxConcurrentReplays,
                     "REPLAY requests reading Kafka at once (each holds a librdkafka client); 1 to 1024"),
            .integer("BUS_MAX_QUEUED_REPLAYS", \.busMaxQueuedReplays,
                     "REPLAY requests waiting for a turn, in arrival order; more are refused with `ERROR too many replays: ...; retry later` (code `limit-reached`)"),
            .integer("BUS_PRESENCE_MAX_REPLICAS", \.busPresenceMaxReplicas,
                     "replicas in the presence table; a PRESENCE from one more (while none expired) gets `ERROR`"),
            .integer("BUS_PRESENCE_MAX_CLIENTS", \.busPresenceMaxClients,
                     "the most clients one replica may report; more gets `ERROR` and leaves the table as it was"),
            .integer("BUS_MAX_MESSAGE_BYTES", \.busMaxMessageBytes,
                     "largest message ingestd's bus sockets accept (`ZMQ_MAXMSGSIZE`); a peer sending more is disconnected"),
            .integer("BUS_PACK_RECORDS", \.busPackRecords,
                     "the most records of one topic partition sent as one bus message (1 to 4096): consecutive records go out as version 3 packs, fewer messages for ingestd, realtimed and exportd to handle, but only while every subscriber connected announces that it reads them (realtimed and exportd do from the release that added the announcement; an older or third-party subscriber gets each record as its own message, versions 1 and 2, until it leaves); `1`: never packs (see [bus-protocol.md](bus-protocol.md#packed-records-version-3))"),
            .integer("DECODE_THREADS", \.decodeThreads, default: "number of cores",
                     "threads decoding records (1 to 256), in parallel with the thread that consumes and publishes; every partition's records keep their order"),
            .integer("AVRO_MAX_JSON_BYTES", \.avroMaxJSONBytes,
                     "the most JSON text one Avro datum may become; more is a decode error for that record (counted in `ingest_records_failed_total`)"),
            .integer("RECORD_MAX_HEADERS", \.recordMaxHeaders,
                     "Kafka headers published per record, in order (0 to 1024); later ones are left out and counted in `ingest_record_headers_dropped_total`; 0 publishes none (every record in bus format version 1, for subscribers older than headers)"),
            .integer("RECORD_MAX_HEADER_BYTES", \.recordMaxHeaderBytes,
                     "bytes of header names and values published per record (0 to 65535, so any name fits the bus format); the header that would pass it and all after it are left out and counted"),
            Setting("BUS_CURVE_SECRET_KEY",
                    "the bus's CURVE server secret key (40 characters of Z85, e.g. from `curve_keygen`); set, both bus sockets accept only CURVE clients that know the matching public key",
                    render: { _ in nil }, parse: { configuration, text, _ in configuration.busCurveSecretKey = text }),
            .list("BUS_CURVE_CLIENT_KEYS", \.busCurveClientKeys,
                  "comma-separated Z85 public keys of the clients admitted (a ZAP handler checks every handshake; refusals counted in `ingest_bus_auth_refused_total`); unset, any client that knows the server's public key"),
            Setting("KAFKA_PROPERTY_<NAME>", flag: "--kafka-property", environmentPrefix: kafkaPropertyPrefix,
                    familyKey: kafkaPropertyKey, default: "",
                    "any librdkafka property: `--kafka-property name=value` (repeatable), or the variable with the name upper-cased, `.` as `_` and `_` as `__`",
                    render: { _ in nil },
                    parse: { configuration, text, setting throws(ConfigurationError) in
                        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                            throw ConfigurationError(setting, "'\(text)' is not name=value")
                        }
                        configuration.kafkaProperties[String(text[..<equals])] = String(text[text.index(after: equals)...])
                    }),
        ])
    }
}
