import ServiceSupport

/// `ingestd`: flags over environment variables over defaults (``IngestConfiguration/settings``).
public enum IngestCommand: ServiceCommand {
    public static let processName = "ingestd"
    public static let abstract = "Consumes Kafka topics, decodes their records and publishes them on a ZeroMQ bus."
    public static var defaults: IngestConfiguration { IngestConfiguration() }
    public static var settings: SettingTable<IngestConfiguration> { IngestConfiguration.settings }

    public static func validate(_ configuration: IngestConfiguration) throws(ConfigurationError) {
        try configuration.validate()
    }
}
