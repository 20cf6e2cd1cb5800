/// One setting of a service, declared once: its environment variable, its flag, its default,
/// what it means and how its text becomes a value. A service's ``SettingTable`` drives the
/// environment, the command line, `--help` and the settings table of its docs from these.
public struct Setting<Configuration> {
    /// The environment variable (`EXPORT_MAX_ROWS`), also the name errors give.
    public let name: String
    /// Older variable names read when ``name`` is unset.
    public let aliases: [String]
    /// The command-line flag (`--export-max-rows`).
    public let flag: String
    /// What the setting does (one Markdown line, for `--help` and the docs).
    public let meaning: String
    /// Set for a family of variables (`KAFKA_PROPERTY_<NAME>`): every variable with this prefix
    /// is one value, parsed as `key=value` with the key made from the rest of its name.
    public let environmentPrefix: String?
    let familyKey: (String) -> String
    let fixedDefault: String?
    let render: (Configuration) -> String?
    let parse: (inout Configuration, String, String) throws(ConfigurationError) -> Void

    /// A setting whose text `parse` applies to a configuration (`parse` gets the configuration,
    /// the trimmed text and the setting's name for errors); `render` shows a configuration's
    /// value for the default column (nil: unset), unless `default` describes it in words.
    public init(_ name: String, flag: String? = nil, aliases: [String] = [], environmentPrefix: String? = nil,
                familyKey: @escaping (String) -> String = { $0 }, default fixedDefault: String? = nil, _ meaning: String,
                render: @escaping (Configuration) -> String?,
                parse: @escaping (inout Configuration, String, String) throws(ConfigurationError) -> Void) {
        self.name = name
        self.aliases = aliases
        self.flag = flag ?? "--" + name.lowercased().replacingOccurrences(of: "_", with: "-")
        self.meaning = meaning
        self.environmentPrefix = environmentPrefix
        self.familyKey = familyKey
        self.fixedDefault = fixedDefault
        self.render = render
        self.parse = parse
    }

    /// Applies `text` (trimmed; empty means unset and changes nothing).
    func apply(_ text: String, to configuration: inout Configuration, as source: String) throws(ConfigurationError) {
        let trimmed = SettingParser.trimmed(text)
        guard !trimmed.isEmpty else { return }
        try parse(&configuration, trimmed, source)
    }

    /// The default column: the words given, else the default configuration's value, else `unset`.
    public func defaultText(_ defaults: Configuration) -> String {
        if let fixedDefault { return fixedDefault }
        guard let value = render(defaults), !value.isEmpty else { return "unset" }
        return "`\(value)`"
    }
}

extension Setting {
    /// Text as given.
    public static func text(_ name: String, flag: String? = nil, aliases: [String] = [],
                            _ keyPath: WritableKeyPath<Configuration, String>, default: String? = nil,
                            _ meaning: String) -> Setting {
        Setting(name, flag: flag, aliases: aliases, default: `default`, meaning, render: { $0[keyPath: keyPath] },
                parse: { configuration, text, _ in configuration[keyPath: keyPath] = text })
    }

    /// Text that may be unset.
    public static func optionalText(_ name: String, flag: String? = nil, _ keyPath: WritableKeyPath<Configuration, String?>,
                                    default: String? = nil, _ meaning: String) -> Setting {
        Setting(name, flag: flag, default: `default`, meaning, render: { $0[keyPath: keyPath] },
                parse: { configuration, text, _ in configuration[keyPath: keyPath] = text })
    }

    /// A whole number.
    public static func integer(_ name: String, flag: String? = nil, _ keyPath: WritableKeyPath<Configuration, Int>,
                               default: String? = nil, _ meaning: String) -> Setting {
        Setting(name, flag: flag, default: `default`, meaning, render: { String($0[keyPath: keyPath]) },
                parse: { configuration, text, setting throws(ConfigurationError) in
                    configuration[keyPath: keyPath] = try SettingParser.integer(text, setting)
                })
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    public static func boolean(_ name: String, flag: String? = nil, _ keyPath: WritableKeyPath<Configuration, Bool>,
                               default: String? = nil, _ meaning: String) -> Setting {
        Setting(name, flag: flag, default: `default`, meaning, render: { String($0[keyPath: keyPath]) },
                parse: { configuration, text, setting throws(ConfigurationError) in
                    configuration[keyPath: keyPath] = try SettingParser.boolean(text, setting)
                })
    }

    /// Comma-separated items; with `noneMeansEmpty`, the word `none` is the empty list.
    public static func list(_ name: String, flag: String? = nil, _ keyPath: WritableKeyPath<Configuration, [String]>,
                            noneMeansEmpty: Bool = false, default: String? = nil, _ meaning: String) -> Setting {
        Setting(name, flag: flag, default: `default`, meaning, render: { $0[keyPath: keyPath].joined(separator: ",") },
                parse: { configuration, text, _ in
                    configuration[keyPath: keyPath] = noneMeansEmpty && text.lowercased() == "none" ? [] : SettingParser.list(text)
                })
    }

    /// Seconds, or a number with a unit: `90`, `90s`, `15m`, `1h`, `2d`.
    public static func duration(_ name: String, flag: String? = nil, _ keyPath: WritableKeyPath<Configuration, Int>,
                                default: String? = nil, _ meaning: String) -> Setting {
        Setting(name, flag: flag, default: `default`, meaning, render: { String($0[keyPath: keyPath]) },
                parse: { configuration, text, setting throws(ConfigurationError) in
                    configuration[keyPath: keyPath] = try SettingParser.durationSeconds(text, setting)
                })
    }

    /// One of `choices` (any case), each with its value.
    public static func choice<Value: Equatable>(_ name: String, flag: String? = nil,
                                                _ keyPath: WritableKeyPath<Configuration, Value>,
                                                _ choices: [(String, Value)], default: String? = nil,
                                                _ meaning: String) -> Setting {
        Setting(name, flag: flag, default: `default`, meaning,
                render: { configuration in choices.first { $0.1 == configuration[keyPath: keyPath] }?.0 },
                parse: { configuration, text, setting throws(ConfigurationError) in
                    guard let value = choices.first(where: { $0.0.lowercased() == text.lowercased() })?.1 else {
                        let names = choices.map(\.0).joined(separator: ", ")
                        throw ConfigurationError(setting, "'\(text)' is not one of \(names)")
                    }
                    configuration[keyPath: keyPath] = value
                })
    }
}
