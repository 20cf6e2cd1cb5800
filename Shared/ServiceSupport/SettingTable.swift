/// A service's settings, in the order of its docs: reads the environment and the command line
/// into a configuration, and writes `--help` and the docs' settings table.
public struct SettingTable<Configuration> {
    /// The settings.
    public let settings: [Setting<Configuration>]

    public init(_ settings: [Setting<Configuration>]) {
        self.settings = settings
    }

    /// Applies the variables of `environment` that name a setting (an alias when the name is
    /// unset; every variable of a prefixed family).
    public func apply(environment: [String: String], to configuration: inout Configuration) throws(ConfigurationError) {
        for setting in settings {
            if let prefix = setting.environmentPrefix {
                for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix(prefix) {
                    try setting.parse(&configuration, "\(setting.familyKey(String(name.dropFirst(prefix.count))))=\(value)", name)
                }
                continue
            }
            for name in [setting.name] + setting.aliases {
                guard let value = environment[name], !SettingParser.trimmed(value).isEmpty else { continue }
                try setting.apply(value, to: &configuration, as: name)
                break
            }
        }
    }

    /// Applies the flags of `arguments` (`--flag value` or `--flag=value`; a flag may repeat,
    /// the last wins except for families, which add each).
    public func apply(arguments: [String], to configuration: inout Configuration) throws(ConfigurationError) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--") else {
                throw ConfigurationError(argument, "is not a flag; settings are given as --flag value")
            }
            var flag = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard let setting = settings.first(where: { $0.flag == flag }) else {
                throw ConfigurationError(flag, "is not a flag of this program (see --help)")
            }
            if value == nil {
                guard index < arguments.count else { throw ConfigurationError(flag, "needs a value") }
                value = arguments[index]
                index += 1
            }
            try setting.apply(value!, to: &configuration, as: flag)
        }
    }

    /// The settings for `--help`: flag, variable, default and meaning of each.
    public func help(defaults: Configuration) -> String {
        settings.map { setting in
            let variable = setting.environmentPrefix.map { "\($0)<NAME>" } ?? ([setting.name] + setting.aliases).joined(separator: " or ")
            let meaning = setting.meaning.replacingOccurrences(of: "`", with: "")
            let defaultText = setting.defaultText(defaults).replacingOccurrences(of: "`", with: "")
            return "  \(setting.flag) (\(variable); default \(defaultText))\n      \(meaning)"
        }.joined(separator: "\n")
    }

    /// The Markdown table of the docs: variable, flag, default, meaning.
    public func markdown(defaults: Configuration) -> String {
        var lines = ["| variable | flag | default | meaning |", "| --- | --- | --- | --- |"]
        for setting in settings {
            let variable = setting.environmentPrefix.map { "`\($0)<NAME>`" }
                ?? "`\(setting.name)`" + setting.aliases.map { " (or `\($0)`)" }.joined()
            lines.append("| \(variable) | `\(setting.flag)` | \(setting.defaultText(defaults)) | \(setting.meaning) |")
        }
        return lines.joined(separator: "\n")
    }
}
