import Avro
import Testing

@Suite struct AvroEncoderTests {
    let encoder: AvroEncoder

    init() throws {
        encoder = try AvroEncoder(schema: try fixtureSchema())
    }

    func expectError(_ value: AvroValue, _ matches: (AvroEncodingError) -> Bool) {
        #expect {
            try encoder.encode(value)
        } throws: { error in
            guard let error = error as? AvroEncodingError else { return false }
            return matches(error) && !error.description.isEmpty
        }
    }

    @Test func encodesTheAvroBinaryLayout() throws {
        let datum = try encoder.encode(.record([
            (name: "timestamp", value: .double(1.0)),
            (name: "data", value: .map([("a", .union(branch: 4, .int(3)))])),
        ]))
        // 1.0 little-endian, block of 1 entry, key "a", branch 4, zig-zag 3 = 6, end of map.
        #expect(datum == [0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x02, 0x02, 0x61, 0x08, 0x06, 0x00])
    }

    @Test func reportsTypeMismatches() {
        expectError(.string("x")) { $0 == .typeMismatch(path: "$", expected: "record", found: "string") }
        expectError(.record([(name: "timestamp", value: .string("now")), (name: "data", value: .map([]))])) {
            $0 == .typeMismatch(path: "$.timestamp", expected: "double", found: "string")
        }
        expectError(.record([(name: "timestamp", value: .double(1)),
                             (name: "data", value: .map([("k", .string("unwrapped"))]))])) {
            $0 == .typeMismatch(path: "$.data[\"k\"]", expected: "union", found: "string")
        }
    }

    @Test func reportsMissingAndUnknownFields() {
        expectError(.record([(name: "timestamp", value: .double(1))])) {
            $0 == .missingField(path: "$", name: "data")
        }
        expectError(.record([(name: "timestamp", value: .double(1)), (name: "data", value: .map([])),
                             (name: "extra", value: .null)])) {
            $0 == .unknownField(path: "$", name: "extra")
        }
    }

    @Test func reportsBadUnionBranches() {
        expectError(.record([(name: "timestamp", value: .double(1)),
                             (name: "data", value: .map([("k", .union(branch: 6, .null))]))])) {
            $0 == .unionBranchOutOfRange(path: "$.data[\"k\"]", branch: 6, branches: 6)
        }
        expectError(.record([(name: "timestamp", value: .double(1)),
                             (name: "data", value: .map([("k", .union(branch: 0, .int(1)))]))])) {
            $0 == .typeMismatch(path: "$.data[\"k\"]", expected: "string", found: "int")
        }
    }

    @Test func reportsUnknownEnumSymbolsAndFixedSizes() throws {
        let schema = try AvroSchema(json: """
            {"type":"record","name":"R","fields":[
              {"name":"e","type":{"type":"enum","name":"E","symbols":["A"]}},
              {"name":"f","type":{"type":"fixed","name":"F","size":2}}]}
            """)
        let encoder = try AvroEncoder(schema: schema)
        #expect(try encoder.encode(.record([(name: "e", value: .enumSymbol("A")), (name: "f", value: .bytes([1, 2]))]))
            == [0x00, 0x01, 0x02])
        #expect(throws: AvroEncodingError.unknownEnumSymbol(path: "$.e", symbol: "Z")) {
            try encoder.encode(.record([(name: "e", value: .enumSymbol("Z")), (name: "f", value: .bytes([1, 2]))]))
        }
        #expect(throws: AvroEncodingError.fixedSizeMismatch(path: "$.f", expected: 2, found: 3)) {
            try encoder.encode(.record([(name: "e", value: .enumSymbol("A")), (name: "f", value: .bytes([1, 2, 3]))]))
        }
    }

    @Test func isReusableAfterAnError() throws {
        _ = try? encoder.encode(.null)
        let datum = try encoder.encode(.record([(name: "timestamp", value: .double(0)), (name: "data", value: .map([]))]))
        #expect(datum == [0, 0, 0, 0, 0, 0, 0, 0, 0])
    }
}
