import Foundation
import Logging

/// The parsers of setting values every service shares; each names the setting in its error.
public enum SettingParser {
    /// The text without leading and trailing whitespace and line ends.
    public static func trimmed<Text: StringProtocol>(_ text: Text) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A whole number.
    public static func integer(_ text: String, _ setting: String) throws(ConfigurationError) -> Int {
        guard let number = Int(trimmed(text)) else { throw ConfigurationError(setting, "'\(text)' is not a whole number") }
        return number
    }

    /// `true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off`, in any case.
    public static func boolean(_ text: String, _ setting: String) throws(ConfigurationError) -> Bool {
        switch trimmed(text).lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(setting, "'\(text)' is not one of true, false")
        }
    }

    /// `a, b,,c` -> `["a", "b", "c"]`: comma-separated items, trimmed, empty ones dropped.
    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { trimmed($0) }.filter { !$0.isEmpty }
    }

    /// Seconds, or a number with a unit: `90`, `90s`, `15m`, `1h`, `2d`.
    public static func durationSeconds(_ text: String, _ setting: String) throws(ConfigurationError) -> Int {
        let text = trimmed(text).lowercased()
        let units: [(String, Int)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let number = Int(text.dropLast()), number <= Int.max / factor { return number * factor }
        }
        if let number = Int(text) { return number }
        throw ConfigurationError(setting, "'\(text)' is not a duration such as 3600, 90s, 15m or 1h")
    }

    /// `CRITICAL`, `ERROR`, `WARNING` (or `WARN`), `INFO` or `DEBUG`, in any case.
    public static func loggingLevel(_ text: String, _ setting: String) throws(ConfigurationError) -> Logger.Level {
        switch trimmed(text).uppercased() {
        case "CRITICAL": return .critical
        case "ERROR": return .error
        case "WARNING", "WARN": return .warning
        case "INFO": return .info
        case "DEBUG": return .debug
        default: throw ConfigurationError(setting, "'\(text)' is not one of CRITICAL, ERROR, WARNING, INFO, DEBUG")
        }
    }
}
