import ServiceSupport

/// `exportd`: flags over environment variables over defaults (``ExportConfiguration/settings``).
public enum ExportCommand: ServiceCommand {
    public static let processName = "exportd"
    public static let abstract = "Keeps each merchant's view of the merchant topics from the ingest bus and serves it as CSV over HTTP."
    public static var defaults: ExportConfiguration { ExportConfiguration() }
    public static var settings: SettingTable<ExportConfiguration> { ExportConfiguration.settings }

    public static func validate(_ configuration: ExportConfiguration) throws(ConfigurationError) {
        try configuration.validate()
    }
}
