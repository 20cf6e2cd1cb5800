import Foundation
import Avro
import RecordDecoding
import Testing

@Suite struct TopicFormatRulesTests {
    @Test func firstMatchingRuleWinsAndUnmatchedTopicsAreJSON() throws {
        let rules = try TopicFormatRules(topicFormats: #"^stcs\..*=avro:\#(fixtureSchemaPath);^raw\.=string;^reg=registry;^stcs\.x=string"#)
        #expect(rules.rules.count == 4)
        #expect(rules.format(forTopic: "stcs.sensors") == .avro(schemaFile: fixtureSchemaPath))
        #expect(rules.format(forTopic: "stcs.x") == .avro(schemaFile: fixtureSchemaPath))
        #expect(rules.format(forTopic: "raw.bytes") == .string)
        #expect(rules.format(forTopic: "registry-topic") == .registry)
        #expect(rules.format(forTopic: "buyOffer") == .json)
        #expect(rules.format(forTopic: "xstcs.sensors") == .json)
        #expect(rules.usesRegistry)
    }

    @Test func regexesMatchAnywhereUnlessAnchored() throws {
        let rules = try TopicFormatRules(topicFormats: "Offer=string")
        #expect(rules.format(forTopic: "buyOffer") == .string)
        #expect(rules.format(forTopic: "offers") == .json)
    }

    @Test func withoutRulesKafkaSchemaMakesEveryTopicAvro() throws {
        let rules = try TopicFormatRules(topicFormats: nil, kafkaSchema: fixtureSchemaPath)
        #expect(rules.format(forTopic: "anything") == .avro(schemaFile: fixtureSchemaPath))
        let blank = try TopicFormatRules(topicFormats: "  ", kafkaSchema: fixtureSchemaPath)
        #expect(blank.format(forTopic: "anything") == .avro(schemaFile: fixtureSchemaPath))
    }

    @Test func withoutRulesOrSchemaEveryTopicIsAuto() throws {
        let rules = try TopicFormatRules(topicFormats: nil)
        #expect(rules.format(forTopic: "anything") == .auto)
        #expect(!rules.usesRegistry)
        #expect(try TopicFormatRules(topicFormats: "x=auto").format(forTopic: "x") == .auto)
    }

    @Test func theBundledSchemaIsTheSeedsDataRecord() throws {
        let bundled = try AvroSchema(json: DataRecordSchema.json)
        let datum = try dataRecordDatum(timestamp: 1.5, [(key: "a", value: .union(branch: 5, .boolean(true)))])
        let fromFile = try AvroJSONDecoder(schema: try AvroSchema(contentsOfFile: fixtureSchemaPath)).json(decoding: datum)
        #expect(try AvroJSONDecoder(schema: bundled).json(decoding: datum) == fromFile)
    }

    @Test func rulesOverrideKafkaSchema() throws {
        let rules = try TopicFormatRules(topicFormats: "^a$=string", kafkaSchema: fixtureSchemaPath)
        #expect(rules.format(forTopic: "a") == .string)
        #expect(rules.format(forTopic: "b") == .json)
    }

    @Test func toleratesWhitespaceEmptyRulesAndEqualsInsideRegexes() throws {
        let rules = try TopicFormatRules(topicFormats: " ^a(?=b)=string ; ;x==y = json ;")
        #expect(rules.rules.map(\.pattern) == ["^a(?=b)", "x==y"])
        #expect(rules.format(forTopic: "ab") == .string)
        #expect(rules.format(forTopic: "ac") == .json)
    }

    @Test(arguments: [
        ("nothing-here", RecordDecodingConfigurationError.missingEquals(rule: "nothing-here")),
        ("^a=xml", .unknownFormat("xml")),
        ("^a=", .unknownFormat("")),
        ("^a=avro:", .missingSchemaFile(format: "avro:")),
        ("=json", .emptyPattern(rule: "=json")),
    ])
    func rejectsMalformedRules(topicFormats: String, expected: RecordDecodingConfigurationError) {
        #expect(throws: expected) { try TopicFormatRules(topicFormats: topicFormats) }
    }

    @Test func rejectsInvalidRegexes() {
        #expect {
            try TopicFormatRules(topicFormats: "^(unclosed=json")
        } throws: { error in
            guard case RecordDecodingConfigurationError.invalidPattern(let pattern, let reason) = error else { return false }
            return pattern == "^(unclosed" && !reason.isEmpty && "\(error)".contains("^(unclosed")
        }
    }

    @Test func rejectsUnreadableAndInvalidSchemaFiles() throws {
        #expect {
            try TopicFormatRules(topicFormats: ".*=avro:/no/such/schema.avsc")
        } throws: { error in
            guard case RecordDecodingConfigurationError.schema(.unreadableFile(let path, _)) = error else { return false }
            return path == "/no/such/schema.avsc"
        }
        #expect {
            try TopicFormatRules(topicFormats: nil, kafkaSchema: "/no/such/schema.avsc")
        } throws: { error in
            if case RecordDecodingConfigurationError.schema(.unreadableFile) = error { return true }
            return false
        }
        let bad = try temporaryFile(#"{"type": "record", "name": "R", "fields": [{"name": "x", "type": "nope"}]}"#)
        #expect {
            try TopicFormatRules(topicFormats: ".*=avro:\(bad)")
        } throws: { error in
            if case RecordDecodingConfigurationError.schema(.invalidSchema) = error { return true }
            return false
        }
    }

    @Test func registryRulesNeedARegistryURL() throws {
        #expect(throws: RecordDecodingConfigurationError.missingRegistryURL) {
            try RecordDecoder(rules: try TopicFormatRules(topicFormats: ".*=registry"))
        }
        let decoder = try RecordDecoder(rules: try TopicFormatRules(topicFormats: ".*=registry"),
                                        schemaRegistryURL: URL(string: "http://127.0.0.1:1"))
        #expect(decoder.format(forTopic: "t") == .registry)
    }

    @Test func configurationErrorsDescribeTheProblem() {
        #expect(RecordDecodingConfigurationError.missingEquals(rule: "abc").description.contains("'='"))
        #expect(RecordDecodingConfigurationError.unknownFormat("xml").description.contains("xml"))
    }
}
