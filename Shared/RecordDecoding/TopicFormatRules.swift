import Foundation
import Avro

/// Which `RecordFormat` each topic uses, from `TOPIC_FORMATS` (and `KAFKA_SCHEMA`).
///
/// `TOPIC_FORMATS` is a list of `regex=format` rules separated by `;`, e.g.
/// `^stcs\..*=avro:/schemas/kafka.timestamp-data.avsc;^raw\.=string;.*=json`. The first rule
/// whose regex matches anywhere in the topic name wins (anchor with `^`/`$` for whole names); a topic
/// no rule matches is `json`. The rule splits at the last `=` that is followed by a valid format, so
/// regexes may contain `=`; they cannot contain `;`. Whitespace around rules is ignored.
///
/// Without rules (unset or blank), every topic is Avro with the schema file in `KAFKA_SCHEMA` when
/// that is set, else `auto`: JSON, or the bundled DataRecord Avro schema for values that are not
/// JSON but decode exactly with it (the solar gateway's default schema).
///
/// Every Avro schema file is read and parsed here, so a bad file is a configuration error at start-up.
public struct TopicFormatRules: Sendable {
    /// One `regex=format` rule.
    public struct Rule: Sendable {
        /// The regex as written.
        public let pattern: String
        /// The format of topics it matches.
        public let format: RecordFormat

        /// Whether the regex matches anywhere in `topic`. (Swift's `Regex` is not `Sendable`, so it is
        /// compiled again here; `RecordDecoder` caches the outcome per topic.)
        public func matches(_ topic: String) -> Bool {
            guard let regex = try? Regex(pattern) else { return false }
            return (try? regex.firstMatch(in: topic)) != nil
        }
    }

    /// The rules in order.
    public let rules: [Rule]
    /// The format of topics no rule matches.
    public let fallbackFormat: RecordFormat
    /// Decoders for every Avro schema file named by the rules, by path.
    let avroDecoders: [String: AvroJSONDecoder]
    /// The decoder of the bundled DataRecord schema (for the `auto` format).
    static let dataRecordDecoder: AvroJSONDecoder = {
        do {
            return AvroJSONDecoder(schema: try AvroSchema(json: DataRecordSchema.json))
        } catch {
            fatalError("the bundled DataRecord schema does not parse: \(error)")
        }
    }()

    /// Parses `TOPIC_FORMATS` (nil or blank: no rules) with `KAFKA_SCHEMA` as the rule-less default.
    public init(topicFormats: String?, kafkaSchema: String? = nil) throws(RecordDecodingConfigurationError) {
        var rules: [Rule] = []
        for piece in (topicFormats ?? "").split(separator: ";", omittingEmptySubsequences: true) {
            let rule = piece.trimmingCharacters(in: .whitespacesAndNewlines)
            if rule.isEmpty { continue }
            rules.append(try Self.parseRule(rule))
        }
        self.rules = rules
        if rules.isEmpty, let kafkaSchema = kafkaSchema?.trimmingCharacters(in: .whitespacesAndNewlines), !kafkaSchema.isEmpty {
            fallbackFormat = .avro(schemaFile: kafkaSchema)
        } else {
            fallbackFormat = rules.isEmpty ? .auto : .json
        }
        var decoders: [String: AvroJSONDecoder] = [:]
        for format in rules.map(\.format) + [fallbackFormat] {
            guard case .avro(let file) = format, decoders[file] == nil else { continue }
            do {
                decoders[file] = AvroJSONDecoder(schema: try AvroSchema(contentsOfFile: file))
            } catch {
                throw .schema(error)
            }
        }
        avroDecoders = decoders
    }

    /// The format for `topic` (not cached; `RecordDecoder` caches per topic).
    public func format(forTopic topic: String) -> RecordFormat {
        for rule in rules where rule.matches(topic) {
            return rule.format
        }
        return rules.isEmpty ? fallbackFormat : .json
    }

    /// Whether any rule (or the default) uses the schema registry.
    public var usesRegistry: Bool {
        rules.contains { $0.format == .registry } || fallbackFormat == .registry
    }

    private static func parseRule(_ rule: String) throws(RecordDecodingConfigurationError) -> Rule {
        guard rule.contains("=") else { throw .missingEquals(rule: rule) }
        // The last '=' followed by a valid format separates regex and format.
        var firstError: RecordDecodingConfigurationError?
        var end = rule.endIndex
        while let equals = rule[..<end].lastIndex(of: "=") {
            let formatText = String(rule[rule.index(after: equals)...]).trimmingCharacters(in: .whitespacesAndNewlines)
            let format: RecordFormat
            do {
                format = try RecordFormat(parsing: formatText)
            } catch {
                if firstError == nil { firstError = error }
                guard case .unknownFormat = error else { throw error }
                end = equals
                continue
            }
            let pattern = String(rule[..<equals]).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !pattern.isEmpty else { throw .emptyPattern(rule: rule) }
            do {
                _ = try Regex(pattern)
            } catch {
                throw .invalidPattern(pattern: pattern, reason: "\(error)")
            }
            return Rule(pattern: pattern, format: format)
        }
        throw firstError ?? .missingEquals(rule: rule)
    }
}
