import ServiceSupport
import TestSupport
import Foundation
@testable import ExportService
import Testing

@Suite struct ExportConfigurationTests {
    @Test func defaults() throws {
        let config = try ExportCommand.resolve(environment: [:])
        #expect(config.merchantTopics == [
            "addOffer", "buyOffer", "profit", "updateOffer", "updates", "salesPerMinutes",
            "cumulativeAmountBasedMarketshare", "cumulativeRevenueBasedMarketshare",
            "marketSituation", "revenuePerMinute", "revenuePerHour", "profitPerMinute",
        ])
        #expect(config.corsOrigins == ["*"])
        #expect(config.port == 8001 && config.maxRows == 100_000 && config.fileTTLSeconds == 3600)
        #expect(config.dataDirectory == "./data")
    }

    @Test func environmentAndFlags() throws {
        let environment = ["MERCHANT_TOPICS": " a, b ,", "EXPORT_MAX_ROWS": "50", "EXPORT_FILE_TTL": "15m", "PORT": "9000",
                           "BUS_CONNECT": "tcp://h:1", "BUS_SNAPSHOT_CONNECT": "tcp://h:2", "DATA_DIR": "/tmp/x",
                           "HOST": "127.0.0.1", "LOGGING_LEVEL": "debug"]
        let config = try ExportCommand.resolve(environment: environment)
        #expect(config.merchantTopics == ["a", "b"] && config.maxRows == 50 && config.fileTTLSeconds == 900)
        #expect(config.port == 9000 && config.busConnect == ["tcp://h:1"] && config.loggingLevel == .debug)
        let flagged = try ExportCommand.resolve(arguments: ["--port", "9100", "--export-file-ttl=2h", "--merchant-topics", "c"],
                                                environment: environment)
        #expect(flagged.port == 9100 && flagged.fileTTLSeconds == 7200 && flagged.merchantTopics == ["c"])
    }

    @Test(arguments: [
        (["EXPORT_MAX_ROWS": "lots"], "EXPORT_MAX_ROWS"),
        (["EXPORT_MAX_ROWS": "0"], "EXPORT_MAX_ROWS"),
        (["EXPORT_FILE_TTL": "soon"], "EXPORT_FILE_TTL"),
        (["EXPORT_FILE_TTL": "0"], "EXPORT_FILE_TTL"),
        (["PORT": "70000"], "PORT"),
        (["BUS_CONNECT": "localhost:5556"], "BUS_CONNECT"),
        (["BUS_SNAPSHOT_CONNECT": "tcp://127.0.0.1:5556"], "BUS_SNAPSHOT_CONNECT"),
        (["BUS_CONNECT": "tcp://a:1,tcp://b:1"], "BUS_SNAPSHOT_CONNECT"),
        (["BUS_CONNECT": "tcp://a:1,tcp://a:1", "BUS_SNAPSHOT_CONNECT": "tcp://a:2,tcp://b:2"], "BUS_CONNECT"),
        (["MERCHANT_TOPICS": " , "], "MERCHANT_TOPICS"),
        (["MERCHANT_TOPICS": "a,a"], "MERCHANT_TOPICS"),
        (["LOGGING_LEVEL": "loud"], "LOGGING_LEVEL"),
    ])
    func badSettingsAreNamed(environment: [String: String], setting: String) {
        #expect {
            _ = try ExportCommand.resolve(environment: environment)
        } throws: { error in
            (error as? ExportConfigurationError)?.setting == setting
        }
    }

    /// The docs' settings table is the declared one (`exportd --settings-markdown` writes it).
    @Test func theDocsListEverySettingAsDeclared() throws {
        let docs = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/exportd.md"), encoding: .utf8)
        let table = ExportCommand.settings.markdown(defaults: ExportConfiguration())
        #expect(docs.contains(table), "docs/exportd.md drifted from the code; replace its settings table with:\n\(table)")
    }

    /// Every setting has a flag; flags win over variables, take `--flag value` or `--flag=value`,
    /// and a flag that is not a setting, or has no value, is refused by name.
    @Test func everySettingIsAFlagAndUnknownFlagsAreNamed() throws {
        for setting in ExportCommand.settings.settings {
            #expect(ExportCommand.helpMessage.contains(setting.flag), "\(setting.flag)")
        }
        let config = try ExportCommand.resolve(arguments: ["--export-max-streams=7", "--max-connections", "9"],
                                               environment: ["EXPORT_MAX_STREAMS": "3"])
        #expect(config.limits.maxStreams == 7 && config.maxConnections == 9)
        #expect(throws: ConfigurationError("--nope", "is not a flag of this program (see --help)")) {
            try ExportCommand.resolve(arguments: ["--nope", "1"], environment: [:])
        }
        #expect(throws: ConfigurationError("--port", "needs a value")) { try ExportCommand.resolve(arguments: ["--port"], environment: [:]) }
        #expect(throws: ConfigurationError("stray", "is not a flag; settings are given as --flag value")) {
            try ExportCommand.resolve(arguments: ["stray"], environment: [:])
        }
    }
}
