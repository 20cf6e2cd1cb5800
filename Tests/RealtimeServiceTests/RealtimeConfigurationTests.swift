import TestSupport
import Foundation
import RealtimeService
import Testing

/// Settings from the environment and flags, and their validation.
struct RealtimeConfigurationTests {
    func resolve(_ environment: [String: String], _ arguments: [String] = []) throws -> RealtimeConfiguration {
        try RealtimeCommand.resolve(arguments: arguments, environment: environment)
    }

    @Test func defaults() throws {
        let config = try resolve([:])
        #expect(config.busConnect == ["tcp://localhost:5556"])
        #expect(config.busSnapshotConnect == ["tcp://localhost:5557"])
        #expect(config.port == 5002)
        #expect(config.host == "0.0.0.0")
        #expect(config.historySize == 100)
        #expect(config.apiFamilies == [.solar, .pricewars])
        #expect(config.filterHTTPCode)
        #expect(config.recoverySeconds == 0)
        #expect(config.replicaID.hasPrefix("rt-"))
        #expect(!config.priceWarsLiveObjects)
        #expect(config.priceWarsTopics == RealtimeConfiguration.originalPriceWarsTopics && config.priceWarsTopics.count == 12)
        #expect(config.priceWarsTopicsRegex == nil && config.solarTopicsRegex == nil)
        #expect(config.pingIntervalMilliseconds == 25_000 && config.pingTimeoutMilliseconds == 20_000)
        #expect(config.subscribeMaxPatterns == 1000 && config.subscribeMaxPatternLength == 256)
    }

    @Test func fidelityAndBoundSettingsFromEnvironmentAndFlags() throws {
        let config = try resolve([
            "PRICEWARS_LIVE_OBJECTS": "true", "PRICEWARS_TOPICS": "none", "PRICEWARS_TOPICS_REGEX": "Offer$",
            "SOLAR_TOPICS_REGEX": "^stcs\\.", "PING_INTERVAL_MS": "5000", "PING_TIMEOUT_MS": "10000",
            "SUBSCRIBE_MAX_PATTERNS": "10",
        ], ["--subscribe-max-pattern-length", "64", "--pricewars-topics", "a, b"])
        #expect(config.priceWarsLiveObjects)
        #expect(config.priceWarsTopics == ["a", "b"])
        #expect(config.priceWarsTopicsRegex == "Offer$" && config.solarTopicsRegex == "^stcs\\.")
        #expect(config.pingIntervalMilliseconds == 5000 && config.pingTimeoutMilliseconds == 10_000)
        #expect(config.subscribeMaxPatterns == 10 && config.subscribeMaxPatternLength == 64)
        #expect(try resolve(["PRICEWARS_TOPICS": "NONE"]).priceWarsTopics.isEmpty)
    }

    @Test func environmentAndFlagsOverDefaultsFlagsWin() throws {
        let config = try resolve([
            "BUS_CONNECT": "tcp://a:1, tcp://b:1", "BUS_SNAPSHOT_CONNECT": "tcp://a:2,tcp://b:2", "PORT": "7000",
            "API_FAMILIES": "solar", "PRICEWARS_HTTP_CODE_FILTER": "false", "REPLICA_ID": "r1", "HISTORY_SIZE": "5",
            "SOCKET_IO_JS": "/x.js",
        ], ["--port", "7001", "--api-families", "pricewars,solar"])
        #expect(config.publishers.map(\.live) == ["tcp://a:1", "tcp://b:1"])
        #expect(config.publishers.map(\.snapshot) == ["tcp://a:2", "tcp://b:2"])
        #expect(config.port == 7001)
        #expect(config.apiFamilies == [.solar, .pricewars])
        #expect(!config.filterHTTPCode)
        #expect(config.replicaID == "r1")
        #expect(config.historySize == 5)
        #expect(config.socketIOClientJS == "/x.js")
    }

    @Test(arguments: [
        (["PORT": "70000"], "PORT"),
        (["PORT": "abc"], "PORT"),
        (["HISTORY_SIZE": "0"], "HISTORY_SIZE"),
        (["BUS_CONNECT": "tcp://a:1,tcp://b:1"], "BUS_SNAPSHOT_CONNECT"),
        (["BUS_CONNECT": "localhost:5556"], "BUS_CONNECT"),
        (["API_FAMILIES": "solar,chess"], "API_FAMILIES"),
        (["PRICEWARS_HTTP_CODE_FILTER": "maybe"], "PRICEWARS_HTTP_CODE_FILTER"),
        (["LOGGING_LEVEL": "LOUD"], "LOGGING_LEVEL"),
        (["CLIENT_QUEUE_MESSAGES": "0"], "CLIENT_QUEUE_MESSAGES"),
        (["RECOVERY_SECONDS": "-1"], "RECOVERY_SECONDS"),
        (["DASHBOARD_DIR": "/nonexistent/dashboard"], "DASHBOARD_DIR"),
        (["PRESENCE_INTERVAL_MS": "1"], "PRESENCE_INTERVAL_MS"),
        (["PRICEWARS_LIVE_OBJECTS": "sometimes"], "PRICEWARS_LIVE_OBJECTS"),
        (["PRICEWARS_TOPICS_REGEX": "(unclosed"], "PRICEWARS_TOPICS_REGEX"),
        (["SOLAR_TOPICS_REGEX": "[a-"], "SOLAR_TOPICS_REGEX"),
        (["PING_INTERVAL_MS": "0"], "PING_INTERVAL_MS"),
        (["PING_TIMEOUT_MS": "soon"], "PING_TIMEOUT_MS"),
        (["SUBSCRIBE_MAX_PATTERNS": "0"], "SUBSCRIBE_MAX_PATTERNS"),
        (["SUBSCRIBE_MAX_PATTERN_LENGTH": "100000"], "SUBSCRIBE_MAX_PATTERN_LENGTH"),
    ] as [([String: String], String)])
    func badSettingsAreNamed(environment: [String: String], setting: String) {
        #expect(throws: RealtimeConfigurationError.self) { try resolve(environment) }
        do {
            _ = try resolve(environment)
        } catch let error as RealtimeConfigurationError {
            #expect(error.setting == setting)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func pollingResponseMaxBytesSetting() throws {
        #expect(try resolve([:]).pollingResponseMaxBytes == 65536)
        #expect(try resolve(["POLLING_RESPONSE_MAX_BYTES": "20000"]).pollingResponseMaxBytes == 20000)
        #expect(try resolve(["POLLING_RESPONSE_MAX_BYTES": "20000"], ["--polling-response-max-bytes", "30000"])
            .pollingResponseMaxBytes == 30000)
        for bad in ["100", "abc", "100000000"] {
            #expect {
                _ = try resolve(["POLLING_RESPONSE_MAX_BYTES": bad])
            } throws: { error in
                (error as? RealtimeConfigurationError)?.setting == "POLLING_RESPONSE_MAX_BYTES"
            }
        }
    }

    @Test func pollingResponseMaxPacketsSetting() throws {
        #expect(try resolve([:]).pollingResponseMaxPackets == 16)
        #expect(try resolve(["POLLING_RESPONSE_MAX_PACKETS": "50"]).pollingResponseMaxPackets == 50)
        #expect(try resolve([:], ["--polling-response-max-packets", "8"]).pollingResponseMaxPackets == 8)
        for bad in ["0", "x"] {
            #expect {
                _ = try resolve(["POLLING_RESPONSE_MAX_PACKETS": bad])
            } throws: { error in
                (error as? RealtimeConfigurationError)?.setting == "POLLING_RESPONSE_MAX_PACKETS"
            }
        }
    }

    /// The docs' settings table is the declared one (`realtimed --settings-markdown` writes it).
    @Test func theDocsListEverySettingAsDeclared() throws {
        let docs = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/realtimed.md"), encoding: .utf8)
        let table = RealtimeCommand.settings.markdown(defaults: RealtimeConfiguration())
        #expect(docs.contains(table), "docs/realtimed.md drifted from the code; replace its settings table with:\n\(table)")
    }
}
