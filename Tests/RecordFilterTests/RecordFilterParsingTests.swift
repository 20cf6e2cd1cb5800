import RecordFilter
import Testing

@Suite struct RecordFilterParsingTests {
    @Test func theTextFormReadsPrecedenceAndEveryOperator() throws {
        let filter = try RecordFilter(text: #"value.price > 10 and not key prefix "shop-" or partition in [0, 2] and value.a.0.b != null"#)
        #expect(filter == .or([
            .and([.compare(.value(["price"]), .greater, .scalar(.number(10))),
                  .not(.compare(.key([]), .prefix, .scalar(.string("shop-"))))]),
            .and([.compare(.partition, .in, .list([.number(0), .number(2)])),
                  .compare(.value(["a", "0", "b"]), .notEqual, .scalar(.null))]),
        ]))
        for op in RecordFilterOperator.allCases where op != .in && op != .prefix {
            #expect(try RecordFilter(text: "offset \(op.rawValue) 5") == .compare(.offset, op, .scalar(.number(5))))
        }
        #expect(try RecordFilter(text: #"(timestamp >= 1.5e3) and (value.ok = true)"#)
            == .and([.compare(.timestamp, .greaterOrEqual, .scalar(.number(1500))), .compare(.value(["ok"]), .equal, .scalar(.bool(true)))]))
    }

    @Test func theJSONFormMeansTheSame() throws {
        let json = #"{"or": [{"and": [{"field": "value.price", "op": ">", "value": 10}, {"not": {"op": "prefix", "field": "key", "value": "shop-"}}]}, {"field": "partition", "op": "in", "value": [0, 2]}]}"#
        #expect(try RecordFilter(parsing: json) == RecordFilter(text: #"(value.price > 10 and not key prefix "shop-") or partition in [0, 2]"#))
    }

    /// `header.<name>`: an unquoted name of letters, digits, `_`, `.` and `-`, or a quoted one
    /// (any string); in the JSON form everything after `header.`. Both forms mean the same.
    @Test func headerFieldsNameOneHeader() throws {
        #expect(try RecordFilter(text: #"header.source = "x""#) == .compare(.header("source"), .equal, .scalar(.string("x"))))
        #expect(try RecordFilter(text: #"header.content-type prefix "application/""#)
            == .compare(.header("content-type"), .prefix, .scalar(.string("application/"))))
        #expect(try RecordFilter(text: #"header.spring.json.type=null"#) == .compare(.header("spring.json.type"), .equal, .scalar(.null)))
        #expect(try RecordFilter(text: #"header."a b\"c" != "1" and header."é" in ["x"]"#)
            == .and([.compare(.header("a b\"c"), .notEqual, .scalar(.string("1"))), .compare(.header("é"), .in, .list([.string("x")]))]))
        #expect(try RecordFilter(parsing: #"{"field": "header.a b", "op": "=", "value": "x"}"#)
            == .compare(.header("a b"), .equal, .scalar(.string("x"))))
        #expect(try RecordFilter(parsing: #"{"field": "header.x-trace", "op": "=", "value": "x"}"#)
            == RecordFilter(text: #"header.x-trace = "x""#))
        // The name is refused when empty or longer than 1024 bytes.
        #expect(throws: RecordFilterError.self) { try RecordFilter(text: "header.\(String(repeating: "n", count: 1025)) = 1") }
        #expect(try RecordFilter(text: "header.\(String(repeating: "n", count: 1024)) = 1") == .compare(.header(String(repeating: "n", count: 1024)), .equal, .scalar(.number(1))))
    }

    @Test(arguments: [
        #"header.source = "x""#, #"header.content-type prefix "a" or header."a b" = null"#, #"header."\u0000\"" in ["é"]"#,
        #"header.a..b = "x""#,
        #"value.price > 10"#, #"not (key = "a" or key = "b")"#, #"value.s prefix "é\"\n" and offset <= 3"#,
        #"partition in [] or value.x in ["a", 1, true, null, -2.5]"#, #"((value.a = 1 or value.b = 2) and value.c = 3) or value.d = 4"#,
    ])
    func theTextFormRoundTrips(_ text: String) throws {
        let filter = try RecordFilter(text: text)
        #expect(try RecordFilter(text: filter.description) == filter, "\(filter.description)")
    }

    @Test(arguments: [
        ("", RecordFilterError.Code.syntax), ("value.price >", .syntax), ("value.price 10", .syntax), ("price > 1", .unknownField),
        ("header = \"x\"", .unknownField), ("headers.a = \"x\"", .unknownField), ("header. = 1", .unknownField),
        (#"header."" = 1"#, .unknownField), (#"header."a = 1"#, .syntax),
        (#"{"field": "header.", "op": "=", "value": 1}"#, .unknownField), ("value.a prefix 3", .badOperand), ("value.a in 3", .syntax),
        ("(value.a = 1", .syntax), ("value.a = 1 value.b = 2", .syntax), ("value..a = 1", .unknownField),
        (#"{"field": "value.a", "op": "in", "value": 3}"#, .badOperand), (#"{"field": "value.a", "op": "~", "value": 3}"#, .syntax),
        (#"{"and": [], "not": {"field": "offset", "op": "=", "value": 1}}"#, .syntax), (#"{"field": "value.a", "op": "=", "value": {}}"#, .badOperand),
        (#"{"field": "value.a", "op": "=", "value": 1"#, .syntax), (#"{"weird": 1}"#, .syntax),
    ])
    func badFiltersAreRefusedWithACode(_ text: String, _ code: RecordFilterError.Code) {
        #expect { try RecordFilter(parsing: text) } throws: { error in (error as? RecordFilterError)?.code == code }
    }

    /// Hostile filters are refused at once, by their size, depth, node count or list length.
    @Test func hostileFiltersAreBounded() {
        let clock = ContinuousClock()
        let start = clock.now
        let cases: [(String, RecordFilterError.Code)] = [
            (String(repeating: "(", count: 100_000) + "offset = 1", .tooLong),
            (String(repeating: "(", count: 40) + "offset = 1" + String(repeating: ")", count: 40), .tooDeep),
            (String(repeating: "not ", count: 40) + "offset = 1", .tooDeep),
            (Array(repeating: "offset = 1", count: 200).joined(separator: " or "), .tooManyNodes),
            ("offset in [" + Array(repeating: "1", count: 300).joined(separator: ",") + "]", .tooManyItems),
            (String(repeating: #"{"not": "#, count: 40) + #"{"field": "offset", "op": "=", "value": 1}"# + String(repeating: "}", count: 40), .tooDeep),
            ("value." + Array(repeating: "a", count: 40).joined(separator: ".") + " = 1", .tooDeep),
        ]
        for (text, code) in cases {
            #expect { try RecordFilter(parsing: text) } throws: { error in (error as? RecordFilterError)?.code == code }
        }
        #expect(clock.now - start < .seconds(1))
    }
}
