@testable import ExportService
import Testing

@Suite struct CSVFormatTests {
    func cell(_ text: String) -> String {
        var line: [UInt8] = []
        CSVFormat.appendCell(Array(text.utf8), to: &line)
        return String(decoding: line, as: UTF8.self)
    }

    @Test func quotesOnlyWhenNeeded() {
        #expect(cell("plain") == "plain")
        #expect(cell("a,b") == "\"a,b\"")
        #expect(cell("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(cell("two\nlines") == "\"two\nlines\"")
        #expect(cell("cr\r") == "\"cr\r\"")
        #expect(cell("") == "")
    }

    @Test func cellRangesRespectQuotes() {
        let line = Array("a,\"b,\"\"c\"\"\",,d".utf8)
        let cells = CSVFormat.cellRanges(of: line[...]).map { String(decoding: line[$0], as: UTF8.self) }
        #expect(cells == ["a", "\"b,\"\"c\"\"\"", "", "d"])
    }

    @Test func rowsRenderJSONValues() throws {
        let value = #"{"s":"x,y","n":-1.5e3,"t":true,"f":false,"z":null,"o":{"a":[1,"q\""]},"u":"\u00e9\n","timestamp":"2018-03-16T10:01:00.000Z"}"#
        let (owner, rows) = try RowBuilder.rows(topic: "buyOffer", value: Array(value.utf8), kafkaTimestamp: 5)
        #expect(owner == .everyone)
        let row = try #require(rows.first)
        #expect(row.fields.map { String(decoding: $0, as: UTF8.self) } == ["s", "n", "t", "f", "z", "o", "u", "timestamp"])
        #expect(String(decoding: row.line, as: UTF8.self)
                == "\"x,y\",-1.5e3,true,false,,\"{\"\"a\"\":[1,\"\"q\\\"\"\"\"]}\",\"é\n\",2018-03-16T10:01:00.000Z")
        #expect(row.timestamp == 1_521_194_460_000)
    }

    @Test func malformedJSONIsRejectedNotCrashing() {
        for bad in ["", "[1]", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\":\"unterminated}", "{\"a\":tru}", "{\"a\":1} x", "{\"a\":\"\\q\"}"] {
            #expect(throws: RowBuildError.self) { try RowBuilder.rows(topic: "t", value: Array(bad.utf8), kafkaTimestamp: 0) }
        }
    }

    @Test func timestampsRoundTrip() {
        #expect(ExportTimestamp.milliseconds(iso8601: Array("2018-03-16T10:01:00.000Z".utf8)) == 1_521_194_460_000)
        #expect(ExportTimestamp.milliseconds(iso8601: Array("2018-03-16T12:01:00+02:00".utf8)) == 1_521_194_460_000)
        #expect(ExportTimestamp.milliseconds(iso8601: Array("1970-01-01".utf8)) == 0)
        #expect(ExportTimestamp.milliseconds(iso8601: Array("yesterday".utf8)) == nil)
        #expect(String(decoding: ExportTimestamp.iso8601(milliseconds: 1_521_194_460_123), as: UTF8.self) == "2018-03-16T10:01:00.123Z")
        #expect(ExportTimestamp.milliseconds(query: "1521194460000") == 1_521_194_460_000)
    }

    @Test func missingTimestampComesFromKafka() throws {
        let (_, rows) = try RowBuilder.rows(topic: "other", value: Array(#"{"a":1}"#.utf8), kafkaTimestamp: 1_521_194_460_000)
        #expect(rows[0].fields.map { String(decoding: $0, as: UTF8.self) } == ["a", "timestamp"])
        #expect(String(decoding: rows[0].line, as: UTF8.self) == "1,2018-03-16T10:01:00.000Z")
    }
}
