import Logging

extension Setting {
    /// `LOGGING_LEVEL`: CRITICAL, ERROR, WARNING, INFO or DEBUG.
    public static func loggingLevel(_ keyPath: WritableKeyPath<Configuration, Logger.Level>) -> Setting {
        Setting("LOGGING_LEVEL", "`CRITICAL`, `ERROR`, `WARNING`, `INFO`, `DEBUG`",
                render: { $0[keyPath: keyPath].rawValue.uppercased() },
                parse: { configuration, text, setting throws(ConfigurationError) in
                    configuration[keyPath: keyPath] = try SettingParser.loggingLevel(text, setting)
                })
    }
}
