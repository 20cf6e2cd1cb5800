import CRdkafka

/// Facts about the librdkafka library loaded at run time.
public enum KafkaRuntime {
    /// librdkafka's version as a string, e.g. "2.0.2".
    public static var version: String { String(cString: rd_kafka_version_str()) }

    /// librdkafka's version as 0xMMmmrrxx.
    public static var versionNumber: Int32 { rd_kafka_version() }

    /// Whether this librdkafka parses the tagged fields of ApiVersions v3 responses correctly
    /// (2.0.x skips them wrongly, so it cannot talk to brokers such as Tansu that send them).
    public static var parsesApiVersionTags: Bool { versionNumber >= 0x0201_0000 }

    /// Whether librdkafka knows `fetch.queue.backoff.ms` (2.2 and later).
    public static var hasFetchQueueBackoff: Bool { versionNumber >= 0x0202_0000 }
}
