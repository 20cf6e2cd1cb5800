import Foundation
import RecordFilter
import Testing
import TestSupport

@Suite struct RecordFilterEvaluationTests {
    let record = FilterTestRecord(partition: 2, offset: 40, timestamp: 1_700_000_000_000, key: #"{"shop":"shop-7"}"#,
                                  value: #"{"price": 12.5, "name": "Ünïcode", "ok": true, "none": null, "tags": ["a", {"b": 3}], "huge": 1e400}"#)

    func holds(_ text: String) throws -> Bool { try RecordFilter(text: text).matches(record) }

    @Test func comparisonsFollowTheirKinds() throws {
        #expect(try holds("value.price > 10 and value.price <= 12.5 and value.price != 12"))
        #expect(try holds(#"value.name = "Ünïcode" and value.name prefix "Ün" and value.name > "A""#))
        #expect(try holds("value.ok = true and value.none = null and value.tags.1.b = 3 and value.tags.0 in [\"x\", \"a\"]"))
        #expect(try holds(#"key.shop prefix "shop-" and partition = 2 and offset in [39, 40] and timestamp > 1600000000000"#))
        #expect(try holds("value.huge > 1e300"))
        // Across kinds nothing compares; a missing field fails all but !=.
        #expect(try !holds(#"value.price = "12.5""#))
        #expect(try !holds(#"value.price > "1""#))
        #expect(try !holds("value.missing = null") && holds("value.missing != 1") && !holds("value.missing < 1"))
        // Objects and arrays are not scalars; a path through a scalar is missing.
        #expect(try !holds("value.tags = 1") && !holds("value.price.x = 1") && holds("not value.tags.5 = 1"))
    }

    /// Member names compare as Swift strings do (canonical equivalence), also where the lookup
    /// compares bytes first: a decomposed name matches a precomposed path, escaped names match,
    /// and ASCII names differing in bytes do not.
    @Test func memberNamesCompareAsStrings() throws {
        let record = FilterTestRecord(value: "{\"caf\u{65}\u{301}\": 1, \"a\\u0062\": 2, \"ab\": 3, \"aB\": 4}")
        func holds(_ json: String) throws -> Bool { try RecordFilter(json: Array(json.utf8)).matches(record) }
        #expect(try holds(#"{"field": "value.caf\u00e9", "op": "=", "value": 1}"#))
        #expect(try holds(#"{"field": "value.ab", "op": "=", "value": 2}"#))
        #expect(try holds(#"{"field": "value.aB", "op": "=", "value": 4}"#))
        #expect(try !holds(#"{"field": "value.AB", "op": "=", "value": 3}"#))
    }

    @Test func tombstonesAndNonJSONValuesHaveNoFields() throws {
        let tombstone = FilterTestRecord(value: nil)
        #expect(try !RecordFilter(text: "value.a = 1").matches(tombstone))
        #expect(try RecordFilter(text: "value.a != 1").matches(tombstone))
        #expect(try RecordFilter(text: #"value = "text""#).matches(FilterTestRecord(value: #""text""#)))
    }

    /// A header reads as the UTF-8 string of its last value; a null value is null; a missing
    /// header and one whose value is not UTF-8 are missing (all but `!=` fail); names are
    /// case-sensitive.
    @Test func headersCompareAsTheirLastValueAsAString() throws {
        let record = FilterTestRecord(value: "{}", headers: [
            ("source", Array("shop-1".utf8)), ("trace", Array("a".utf8)), ("trace", Array("b".utf8)), ("empty", []),
            ("none", nil), ("binary", [0xff, 0xfe]), ("n", Array("10".utf8)), ("Source", Array("other".utf8)),
            ("é", Array("ü".utf8)),
        ])
        func holds(_ text: String) throws -> Bool { try RecordFilter(text: text).matches(record) }
        #expect(try holds(#"header.source = "shop-1" and header.source prefix "shop-" and header.Source = "other""#))
        // Repeated names: the last one counts.
        #expect(try holds(#"header.trace = "b""#) && !holds(#"header.trace = "a""#) && holds(#"header.trace in ["a", "b"]"#))
        #expect(try holds(#"header.empty = "" and header.empty prefix """#))
        #expect(try holds("header.none = null") && !holds(#"header.none = """#) && holds("header.none != 1"))
        // Not UTF-8: missing, like an absent header.
        #expect(try !holds("header.binary = null") && holds(#"header.binary != "x""#) && !holds(#"header.binary prefix """#))
        #expect(try !holds(#"header.missing = "x""#) && holds(#"header.missing != "x""#) && !holds("header.missing = null"))
        // Always a string: a number operand never equals it; strings order by Unicode scalars.
        #expect(try !holds("header.n = 10") && holds(#"header.n = "10""#) && holds(#"header.n < "9""#) && !holds("header.n > 1"))
        #expect(try holds(#"header."é" = "ü""#) && !holds(#"header.SOURCE = "shop-1""#))
        #expect(try RecordFilter(parsing: #"{"field": "header.trace", "op": "=", "value": "b"}"#).matches(record))
    }

    /// Random filters over random records against a reference evaluator written independently
    /// (Foundation's JSON, the documented semantics), through both text and JSON forms.
    @Test func randomFiltersAgreeWithAReferenceEvaluator() throws {
        let seed = FuzzSettings.seed(0x19)
        var random = SplitMix64(seed: seed)
        let fields = ["value.a", "value.b", "value.c.d", "value.l.0", "key", "key.k", "partition", "offset", "header.h", "header.x-y"]
        let scalars = ["1", "2", "-1", "2.5", #""x""#, #""xy""#, #""y""#, "true", "false", "null"]
        func randomFilter(_ depth: Int) -> String {
            switch depth < 3 ? Int.random(in: 0..<6, using: &random) : 5 {
            case 0: return "(\(randomFilter(depth + 1)) and \(randomFilter(depth + 1)))"
            case 1: return "(\(randomFilter(depth + 1)) or \(randomFilter(depth + 1)))"
            case 2: return "not \(randomFilter(depth + 1))"
            default:
                let field = fields.randomElement(using: &random)!
                let op = RecordFilterOperator.allCases.randomElement(using: &random)!
                switch op {
                case .in: return "\(field) in [\(scalars.randomElement(using: &random)!), \(scalars.randomElement(using: &random)!)]"
                case .prefix: return "\(field) prefix \(["\"x\"", "\"\"", "\"y\""].randomElement(using: &random)!)"
                default: return "\(field) \(op.rawValue) \(scalars.randomElement(using: &random)!)"
                }
            }
        }
        func randomJSON() -> String {
            let members = ["a", "b", "c", "l"].compactMap { name -> String? in
                switch Int.random(in: 0..<5, using: &random) {
                case 0: return nil
                case 1: return "\"\(name)\": {\"d\": \(scalars.randomElement(using: &random)!)}"
                case 2: return "\"\(name)\": [\(scalars.randomElement(using: &random)!)]"
                default: return "\"\(name)\": \(scalars.randomElement(using: &random)!)"
                }
            }
            return "{" + members.joined(separator: ", ") + "}"
        }
        for _ in 0..<FuzzSettings.iterations(short: 2_000) {
            let text = randomFilter(0)
            let filter = try RecordFilter(text: text)
            #expect(try RecordFilter(text: filter.description) == filter)
            let key = Bool.random(using: &random) ? "{\"k\": \(scalars.randomElement(using: &random)!)}" : scalars.randomElement(using: &random)!
            let headerValues: [[UInt8]?] = [Array("x".utf8), Array("xy".utf8), Array("1".utf8), [], nil, [0xc3]]
            let headers = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                (name: ["h", "x-y", "H"].randomElement(using: &random)!, value: headerValues.randomElement(using: &random)!)
            }
            let record = FilterTestRecord(partition: Int32.random(in: 0...2, using: &random), offset: Int64.random(in: 0...2, using: &random),
                                          key: key, value: randomJSON(), headers: headers)
            #expect(filter.matches(record) == ReferenceEvaluator.matches(filter, record), "seed \(seed): \(text) on \(record)")
        }
    }
}

/// The documented semantics, written again over Foundation's JSON (the filter's own path lookup
/// reads JSON with the package's grammar).
enum ReferenceEvaluator {
    static func matches(_ filter: RecordFilter, _ record: FilterTestRecord) -> Bool {
        switch filter {
        case .and(let parts): return parts.allSatisfy { matches($0, record) }
        case .or(let parts): return parts.contains { matches($0, record) }
        case .not(let part): return !matches(part, record)
        case .compare(let field, let op, let operand):
            let value = scalar(field, record)
            switch (op, operand) {
            case (.in, .list(let items)): return value.map { v in items.contains { same(v, $0) } } ?? false
            case (.notEqual, .scalar(let expected)): return value.map { !same($0, expected) } ?? true
            case (.equal, .scalar(let expected)): return value.map { same($0, expected) } ?? false
            case (.prefix, .scalar(.string(let start))):
                if case .string(let text)? = value { return text.hasPrefix(start) }
                return false
            case (_, .scalar(let expected)):
                guard let value, let order = order(value, expected) else { return false }
                switch op {
                case .less: return order < 0
                case .lessOrEqual: return order <= 0
                case .greater: return order > 0
                case .greaterOrEqual: return order >= 0
                default: return false
                }
            default: return false
            }
        }
    }

    static func same(_ a: FilterScalar, _ b: FilterScalar) -> Bool { a == b }

    static func order(_ a: FilterScalar, _ b: FilterScalar) -> Int? {
        switch (a, b) {
        case let (.number(x), .number(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.string(x), .string(y)): return x == y ? 0 : (Array(x.unicodeScalars.map(\.value)).lexicographicallyPrecedes(y.unicodeScalars.map(\.value)) ? -1 : 1)
        default: return nil
        }
    }

    /// Any JSON value, decoded by Foundation.
    indirect enum Node: Decodable {
        case null, bool(Bool), number(Double), string(String), array([Node]), object([String: Node])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
            else if let number = try? container.decode(Double.self) { self = .number(number) }
            else if let text = try? container.decode(String.self) { self = .string(text) }
            else if let array = try? container.decode([Node].self) { self = .array(array) }
            else { self = .object(try container.decode([String: Node].self)) }
        }
    }

    static func scalar(_ field: RecordFilterField, _ record: FilterTestRecord) -> FilterScalar? {
        func lookup(_ path: [String], _ bytes: [UInt8]?) -> FilterScalar? {
            guard let bytes, var node = try? JSONDecoder().decode(Node.self, from: Data(bytes)) else { return nil }
            for part in path {
                switch node {
                case .object(let members) where members[part] != nil: node = members[part]!
                case .array(let items) where Int(part).map(items.indices.contains) == true: node = items[Int(part)!]
                default: return nil
                }
            }
            switch node {
            case .null: return .null
            case .bool(let flag): return .bool(flag)
            case .number(let number): return .number(number)
            case .string(let text): return .string(text)
            case .array, .object: return nil
            }
        }
        switch field {
        case .value(let path): return lookup(path, record.value)
        case .key(let path): return lookup(path, record.key)
        case .partition: return .number(Double(record.partition))
        case .offset: return .number(Double(record.offset))
        case .timestamp: return record.timestamp >= 0 ? .number(Double(record.timestamp)) : nil
        case .header(let name):
            // The last header of the name; its bytes as a string when UTF-8, null for a null value.
            guard let header = record.headers.reversed().first(where: { $0.name == name }) else { return nil }
            guard let bytes = header.value else { return .null }
            guard let text = String(bytes: bytes, encoding: .utf8) else { return nil }
            return .string(text)
        }
    }
}
