import Foundation
import ServiceSupport

/// `realtimed`: flags over environment variables over defaults (``RealtimeConfiguration/settings``).
public enum RealtimeCommand: ServiceCommand {
    public static let processName = "realtimed"
    public static let abstract = "Serves the ingest bus's live records to Socket.IO clients (solar gateway and Price Wars APIs)."
    public static var settings: SettingTable<RealtimeConfiguration> { RealtimeConfiguration.settings }

    /// The defaults, with the dashboard of the current directory when it has one.
    public static var defaults: RealtimeConfiguration {
        var configuration = RealtimeConfiguration()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: RealtimeConfiguration.defaultDashboardDirectory, isDirectory: &isDirectory),
           isDirectory.boolValue {
            configuration.dashboardDirectory = RealtimeConfiguration.defaultDashboardDirectory
        }
        return configuration
    }

    public static func validate(_ configuration: RealtimeConfiguration) throws(ConfigurationError) {
        try configuration.validate()
    }
}
