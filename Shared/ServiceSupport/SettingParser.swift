import Logging

/// Parsers for setting values every service shares; each names the setting in its error.
public enum SettingParser {
    /// `CRITICAL`, `ERROR`, `WARNING` (or `WARN`), `INFO` or `DEBUG`, in any case.
    public static func loggingLevel(_ text: String, _ setting: String) throws(ConfigurationError) -> Logger.Level {
        switch text.uppercased() {
        case "CRITICAL": return .critical
        case "ERROR": return .error
        case "WARNING", "WARN": return .warning
        case "INFO": return .info
        case "DEBUG": return .debug
        default: throw ConfigurationError(setting, "'\(text)' is not one of CRITICAL, ERROR, WARNING, INFO, DEBUG")
        }
    }
}
