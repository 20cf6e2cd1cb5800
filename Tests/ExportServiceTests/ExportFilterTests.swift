import Bus
import Foundation
import Logging
@testable import ExportService
import RecordFilter
import Testing
import TestSupport
import Visibility

/// `?filter=` on exports (issue 19): the rows of exactly the records `RecordFilter.matches`
/// passes (judged on the bus record, as realtimed does), after the visibility rule, the same
/// after a restart, with old journals and with `?columns=`.
@Suite struct ExportFilterTests {
    let logger = Logger(label: "test")
    static let topics = ["buyOffer", "marketSituation"]

    func store(_ directory: String, maxRows: Int = 100_000) throws -> ExportStore {
        try ExportStore(directory: directory, topics: Self.topics, maxRows: maxRows, logger: logger)
    }

    /// What an export of `records` holds when only the records `keep` passes were ever stored
    /// (an in-memory table, the same row builder), as text.
    func reference(_ records: [BusRecord], topics: [String], merchant: String?, topicColumn: Bool = false,
                   columns: [String]? = nil, keep: (BusRecord) -> Bool) -> String {
        var parts: [CSVExportRenderer.Part] = []
        for topic in topics {
            var table = TopicTable(name: topic, maxRows: 100_000)
            var journal: [UInt8] = []
            for record in records where record.topic == topic && keep(record) {
                var owner = RecordOwner.nobody
                var rows: [BuiltRow] = []
                if let value = record.value, let built = try? RowBuilder.rows(topic: topic, value: value, kafkaTimestamp: record.timestamp) {
                    (owner, rows) = built
                }
                table.store(partition: record.partition, offset: record.offset, kafkaTimestamp: record.timestamp, owner: owner,
                            rows: rows, key: record.key, value: record.value, headers: record.headers, journal: &journal)
            }
            parts.append(CSVExportRenderer.Part(topic: topic, table: table))
        }
        var buffer = CSVExportRenderer.render(parts, merchant: merchant, since: nil, until: nil, topicColumn: topicColumn, columns: columns)
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }

    // MARK: random records and filters

    static let merchants = ["m1", "m2"]
    static let scalars = ["1", "2", "-1", "2.5", "30", #""x""#, #""xy""#, #""y""#, "true", "false", "null"]

    /// A record value: top-level fields for buyOffer; a situation with offers for marketSituation.
    static func randomValue(topic: String, using random: inout SplitMix64) -> String {
        func scalar() -> String { scalars.randomElement(using: &random)! }
        var members: [String] = []
        switch Int.random(in: 0..<5, using: &random) {
        case 0, 1: break
        case 2: members.append(#""merchant_id":"m1""#)
        case 3: members.append(#""merchant_id":"m2""#)
        default: members.append(#""merchant_id":7"#)  // no one sees it
        }
        if Bool.random(using: &random) { members.append(#""timestamp":"2018-03-16T10:0\#(Int.random(in: 0...9, using: &random)):00.000Z""#) }
        if topic == "marketSituation" {
            let offers = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                #"{"offer_id":\#(Int.random(in: 1...9, using: &random)),"price":\#(scalar()),"merchant_id":"\#(merchants.randomElement(using: &random)!)"}"#
            }
            members.append(#""offers":[\#(offers.joined(separator: ","))]"#)
            return "{" + members.joined(separator: ",") + "}"
        }
        for name in ["a", "b", "c", "l"] {
            switch Int.random(in: 0..<5, using: &random) {
            case 0: continue
            case 1: members.append(#""\#(name)":{"d":\#(scalar())}"#)
            case 2: members.append(#""\#(name)":[\#(scalar()),\#(scalar())]"#)
            default: members.append(#""\#(name)":\#(scalar())"#)
            }
        }
        return "{" + members.shuffled(using: &random).joined(separator: ",") + "}"
    }

    static func randomRecords(_ count: Int, using random: inout SplitMix64) -> [BusRecord] {
        var offsets: [String: [Int32: Int64]] = [:]
        var records: [BusRecord] = []
        let keys: [String?] = [nil, #""k1""#, #""k2""#, #"{"shop":"shop-1"}"#, #"{"shop":"x-2"}"#, "3"]
        for _ in 0..<count {
            let topic = topics.randomElement(using: &random)!
            let partition = Int32.random(in: 0...2, using: &random)
            let offset = offsets[topic, default: [:]][partition, default: -1] + 1
            offsets[topic, default: [:]][partition] = offset
            let timestamp: Int64 = Int.random(in: 0..<8, using: &random) == 0 ? -1 : Int64.random(in: 1_700_000_000_000...1_700_000_000_100, using: &random)
            let key = keys.randomElement(using: &random)!.map { Array($0.utf8) }
            let value: [UInt8]? = Int.random(in: 0..<20, using: &random) == 0 ? nil : Array(randomValue(topic: topic, using: &random).utf8)
            records.append(BusRecord(topic: topic, partition: partition, offset: offset, timestamp: timestamp, key: key, value: value,
                                     headers: randomHeaders(using: &random)))
        }
        return records
    }

    /// Zero to three headers: repeated names, null, empty and non-UTF-8 values.
    static func randomHeaders(using random: inout SplitMix64) -> [BusRecordHeader] {
        let values: [[UInt8]?] = [Array("x".utf8), Array("xy".utf8), Array("m1".utf8), [], nil, [0xff, 0x78]]
        return (0..<Int.random(in: 0...3, using: &random)).map { _ in
            BusRecordHeader(name: ["src", "x-tag", "Src"].randomElement(using: &random)!, value: values.randomElement(using: &random)!)
        }
    }

    static func randomFilter(using random: inout SplitMix64, depth: Int = 0) -> String {
        let fields = ["value.a", "value.b", "value.c.d", "value.l.0", "value.merchant_id", "value.offers.0.price",
                      "value.offers.1.merchant_id", "value.timestamp", "value", "key", "key.shop", "partition", "offset", "timestamp",
                      "header.src", "header.x-tag"]
        switch depth < 3 ? Int.random(in: 0..<6, using: &random) : 5 {
        case 0: return "(\(randomFilter(using: &random, depth: depth + 1)) and \(randomFilter(using: &random, depth: depth + 1)))"
        case 1: return "(\(randomFilter(using: &random, depth: depth + 1)) or \(randomFilter(using: &random, depth: depth + 1)))"
        case 2: return "not \(randomFilter(using: &random, depth: depth + 1))"
        default:
            let field = fields.randomElement(using: &random)!
            let numeric = ["partition", "offset", "timestamp"].contains(field)
            func operand() -> String {
                switch field {
                case "partition": String(Int.random(in: 0...2, using: &random))
                case "offset": String(Int.random(in: 0...60, using: &random))
                case "timestamp": String(Int64.random(in: 1_700_000_000_000...1_700_000_000_100, using: &random))
                case "key": [#""k1""#, #""k2""#, "3"].randomElement(using: &random)!
                case "key.shop": [#""shop-1""#, #""x-2""#].randomElement(using: &random)!
                case "header.src", "header.x-tag": [#""x""#, #""xy""#, #""m1""#, #""""#, "null", "1"].randomElement(using: &random)!
                case "value.merchant_id", "value.offers.1.merchant_id": [#""m1""#, #""m2""#, "7"].randomElement(using: &random)!
                default: scalars.randomElement(using: &random)!
                }
            }
            let op = RecordFilterOperator.allCases.randomElement(using: &random)!
            switch op {
            case .in: return "\(field) in [\(operand()), \(operand())]"
            case .prefix: return "\(field) prefix \(numeric ? #""1""# : [#""x""#, #""""#, #""m""#, #""shop""#].randomElement(using: &random)!)"
            default: return "\(field) \(op.rawValue) \(operand())"
            }
        }
    }

    // MARK: tests

    /// Property: for random filters over random records (both topics, three partitions, keys,
    /// tombstones, records no one sees), every viewer's export holds exactly the rows of the
    /// records the filter passes when judged on the bus record itself, after visibility; also
    /// after a restart (rows reloaded from the journal) and after the journal is compacted.
    @Test func randomFiltersExportExactlyTheMatchingRecordsRows() throws {
        var random = SplitMix64(seed: FuzzSettings.seed(0x1919))
        let records = Self.randomRecords(400, using: &random)
        let directory = try ExportFixtures.temporaryDirectory()
        let written = try store(directory)
        try written.store(records)
        let reloaded = try store(directory)
        var compactedParts: [CSVExportRenderer.Part] = []
        for topic in Self.topics {
            // The compacted journal (what compaction writes) loaded into a fresh table.
            let journalPath = directory + "/topics/" + ExportStore.fileName(topic: topic) + ".journal"
            var table = TopicTable(name: topic, maxRows: 100_000)
            for entry in JournalEntry.decodeAll(try TopicJournal.readFile(journalPath)).entries { table.load(entry) }
            var compacted = TopicTable(name: topic, maxRows: 100_000)
            for entry in JournalEntry.decodeAll(table.compactedJournal()).entries { compacted.load(entry) }
            compactedParts.append(CSVExportRenderer.Part(topic: topic, table: compacted))
        }
        var nonTrivial = 0
        for round in 0..<150 {
            let text = Self.randomFilter(using: &random)
            let filter = try RecordFilter(text: text)
            for merchant in [nil] + Self.merchants {
                for topics in [["buyOffer"], ["marketSituation"], Self.topics] {
                    let multi = topics.count > 1
                    let expected = reference(records, topics: topics, merchant: merchant, topicColumn: multi) { filter.matches(BusRecordFields($0)) }
                    let got = written.csv(topics, merchant: merchant, topicColumn: multi, filter: filter)
                    #expect(got == expected, "round \(round) filter \(text) merchant \(merchant ?? "-") topics \(topics)")
                    #expect(reloaded.csv(topics, merchant: merchant, topicColumn: multi, filter: filter) == expected,
                            "after restart: round \(round) filter \(text)")
                    var buffer = CSVExportRenderer.render(compactedParts.filter { topics.contains($0.topic) }, merchant: merchant,
                                                          since: nil, until: nil, topicColumn: multi, filter: filter)
                    #expect(buffer.readString(length: buffer.readableBytes) == expected, "after compaction: \(text)")
                    if merchant == "m1", multi {
                        let all = written.csv(topics, merchant: merchant, topicColumn: true).csvLines.count
                        let count = got.csvLines.count
                        if count > 1 && count < all { nonTrivial += 1 }
                    }
                }
            }
        }
        // The filters are not all trivially true or false on these records.
        #expect(nonTrivial >= 40, "\(nonTrivial)")
    }

    /// Property, with the row bound and `since`/`until` in play (exports start inside the logs):
    /// a filtered export is the unfiltered export's rows, in order, whose record passes. Each
    /// record's value carries its number `n` (in every offer of a situation) to tell its rows.
    @Test func filtersApplyAfterTheBoundAndTimeBounds() throws {
        var random = SplitMix64(seed: FuzzSettings.seed(0x1920))
        var records = Self.randomRecords(500, using: &random)
        for index in records.indices {
            guard let value = records[index].value else { continue }
            let text = String(decoding: value, as: UTF8.self)
                .replacingOccurrences(of: #"{"offer_id""#, with: #"{"n":\#(index),"offer_id""#)
            records[index].value = Array(("{\"n\":\(index)," + text.dropFirst()).utf8)
        }
        let store = try store(try ExportFixtures.temporaryDirectory(), maxRows: 60)
        try store.store(records)
        func numbers(_ csv: String) -> [Int] { csv.csvLines.dropFirst().compactMap { Int($0) } }
        let minute: Int64 = 60_000, start: Int64 = 1_521_194_400_000
        var nonTrivial = 0
        for round in 0..<150 {
            let text = Self.randomFilter(using: &random)
            let filter = try RecordFilter(text: text)
            let since = Bool.random(using: &random) ? start + Int64.random(in: 0...5, using: &random) * minute : nil
            let until = Bool.random(using: &random) ? start + Int64.random(in: 4...9, using: &random) * minute : nil
            for merchant in [nil] + Self.merchants {
                for topic in Self.topics {
                    let all = numbers(store.csv([topic], merchant: merchant, since: since, until: until, columns: ["n"]))
                    let expected = all.filter { filter.matches(BusRecordFields(records[$0])) }
                    let got = numbers(store.csv([topic], merchant: merchant, since: since, until: until, columns: ["n"], filter: filter))
                    #expect(got == expected, "round \(round) filter \(text) merchant \(merchant ?? "-") \(topic)")
                    if !got.isEmpty && got.count < all.count { nonTrivial += 1 }
                }
            }
        }
        #expect(nonTrivial >= 40, "\(nonTrivial)")
    }

    /// A marketSituation record is one row per offer; the filter selects records: every row of
    /// a situation that passes, none of one that does not (an offer's own fields are reached by
    /// their path in the record, `value.offers.<n>.<field>`).
    @Test func marketSituationFiltersSelectWholeRecords() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store([
            ExportFixtures.record("marketSituation", 0,
                                  #"{"timestamp":"2018-03-16T10:02:00.000Z","offers":[{"offer_id":1,"price":10},{"offer_id":2,"price":40}]}"#),
            ExportFixtures.record("marketSituation", 1,
                                  #"{"timestamp":"2018-03-16T10:03:00.000Z","offers":[{"offer_id":3,"price":20},{"offer_id":4,"price":25}]}"#),
            ExportFixtures.record("marketSituation", 2,
                                  #"{"timestamp":"2018-03-16T10:04:00.000Z","merchant_id":"m1","offers":[{"offer_id":5,"price":50}]}"#),
        ])
        func rows(_ text: String, merchant: String? = nil) throws -> [String] {
            Array(store.csv(["marketSituation"], merchant: merchant, filter: try RecordFilter(parsing: text)).csvLines.dropFirst())
        }
        // Situation 0 has an offer over 30: both its rows, the cheap one included.
        #expect(try rows("value.offers.1.price > 30") == ["1,10,2018-03-16T10:02:00.000Z", "2,40,2018-03-16T10:02:00.000Z"])
        #expect(try rows("value.offers.0.price >= 20") == ["3,20,2018-03-16T10:03:00.000Z", "4,25,2018-03-16T10:03:00.000Z"])
        // The offer's fields are not the record's: no situation has a top-level price.
        #expect(try rows("value.price > 0").isEmpty)
        #expect(try rows("offset = 1").count == 2)
        // Merchant m1's triggered situation only for m1, filter or not.
        #expect(try rows(#"value.merchant_id = "m1""#).isEmpty)
        #expect(try rows(#"value.merchant_id = "m1""#, merchant: "m1") == ["5,50,2018-03-16T10:04:00.000Z,m1"])
        #expect(try rows(#"{"field": "value.offers.0.price", "op": ">", "value": 45}"#, merchant: "m1").count == 1)
    }

    /// The filter never widens what a merchant sees: a filter naming another merchant's rows
    /// gives nothing; anonymous exports stay public.
    @Test func merchantVisibilityHoldsUnderFilters() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store([
            ExportFixtures.record("buyOffer", 0, #"{"merchant_id":"m1","price":1}"#),
            ExportFixtures.record("buyOffer", 1, #"{"merchant_id":"m2","price":2}"#),
            ExportFixtures.record("buyOffer", 2, #"{"price":3}"#),
            ExportFixtures.record("buyOffer", 3, #"{"merchant_id":5,"price":4}"#),
        ])
        func prices(_ text: String, _ merchant: String?) throws -> [String] {
            Array(store.csv(["buyOffer"], merchant: merchant, columns: ["price"], filter: try RecordFilter(text: text)).csvLines.dropFirst())
        }
        #expect(try prices(#"value.merchant_id = "m2""#, "m1").isEmpty)
        #expect(try prices(#"value.merchant_id = "m2""#, "m2") == ["2"])
        #expect(try prices("value.price > 0", "m1") == ["1", "3"])
        #expect(try prices("value.price > 0", nil) == ["3"])
        #expect(try prices("value.merchant_id = 5", nil).isEmpty)
        #expect(try prices(#"not value.merchant_id = "m1""#, "m1") == ["3"])
    }

    /// `?filter=` with `?columns=` and `since`/`until`: the filter picks rows (reading fields
    /// the columns leave out), the columns pick cells.
    @Test func filterCombinesWithColumnsAndTimeBounds() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store((0..<6).map {
            ExportFixtures.record("buyOffer", Int64($0), #"{"a":\#($0),"b":"\#($0 % 2 == 0 ? "even" : "odd")","timestamp":"2018-03-16T10:00:0\#($0).000Z"}"#)
        })
        let filter = try RecordFilter(text: #"value.b = "even""#)
        #expect(store.csv(["buyOffer"], merchant: nil, columns: ["a"], filter: filter).csvLines == ["a", "0", "2", "4"])
        // since 10:00:02
        #expect(store.csv(["buyOffer"], merchant: nil, since: 1_521_194_402_000, columns: ["timestamp", "a"], filter: filter).csvLines
                == ["timestamp,a", "2018-03-16T10:00:02.000Z,2", "2018-03-16T10:00:04.000Z,4"])
        // Nothing passes: an empty export (no header), as any export without rows.
        #expect(store.csv(["buyOffer"], merchant: nil, columns: ["a"], filter: try RecordFilter(text: "value.a > 10")).isEmpty)
    }

    /// A journal written before filters (record entries of kind 3, no key or value) still loads
    /// and exports as before; its rows pass filters that read only partition, offset and
    /// timestamp, and never one that reads `key` or `value` (they cannot be judged). Records
    /// stored after it are filtered on their value, also after another restart.
    @Test func oldJournalsLoadAndTheirRowsAreHandledExplicitly() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/topics", withIntermediateDirectories: true)
        // Bytes as the version before filters wrote them: field "a", field "timestamp",
        // layout [0, 1], and a public record at partition 0 offset 7 with one row.
        func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
        func be64(_ value: Int64) -> [UInt8] {
            be32(UInt32(UInt64(bitPattern: value) >> 32)) + be32(UInt32(UInt64(bitPattern: value) & 0xffff_ffff))
        }
        func frame(_ payload: [UInt8]) -> [UInt8] { be32(UInt32(payload.count)) + be32(CRC32.checksum(payload[...])) + payload }
        let line = Array("1,2018-03-16T10:00:00.000Z".utf8)
        var old = frame([1] + Array("a".utf8)) + frame([1] + Array("timestamp".utf8)) + frame([2] + be32(2) + be32(0) + be32(1))
        // Kind 3: partition 0, offset 7, Kafka timestamp, owner everyone (0), one row (layout 0,
        // row timestamp, line).
        old += frame([3] + be32(0) + be64(7) + be64(1_700_000_000_000) + [0] + be32(1)
                     + be32(0) + be64(1_521_194_400_000) + be32(UInt32(line.count)) + line)
        let journalPath = directory + "/topics/" + ExportStore.fileName(topic: "buyOffer") + ".journal"
        try Data(old).write(to: URL(fileURLWithPath: journalPath))
        // The old entry decodes as a kind-3 record without source.
        let decoded = JournalEntry.decodeAll(old)
        #expect(decoded.validLength == old.count && decoded.entries.count == 4)
        if case .record(let record) = decoded.entries.last {
            #expect(record.source == nil && record.offset == 7 && record.kafkaTimestamp == 1_700_000_000_000)
        } else {
            Issue.record("no record entry")
        }

        let first = try store(directory)
        #expect(first.csv(["buyOffer"], merchant: nil).csvLines == ["a,timestamp", "1,2018-03-16T10:00:00.000Z"])
        func cells(_ store: ExportStore, _ text: String) throws -> [String] {
            Array(store.csv(["buyOffer"], merchant: nil, columns: ["a"], filter: try RecordFilter(text: text)).csvLines.dropFirst())
        }
        #expect(try cells(first, "offset = 7 and partition = 0 and timestamp = 1700000000000") == ["1"])
        #expect(try cells(first, "value.a = 1").isEmpty)
        #expect(try cells(first, "not value.a = 1").isEmpty)
        #expect(try cells(first, "offset = 7 or key = 1").isEmpty)
        try first.store([ExportFixtures.record("buyOffer", 8, #"{"a":2,"timestamp":"2018-03-16T10:00:01.000Z"}"#)])
        for store in [first, try store(directory)] {
            #expect(try cells(store, "value.a >= 1") == ["2"])
            #expect(try cells(store, "offset >= 7") == ["1", "2"])
            #expect(store.csv(["buyOffer"], merchant: nil).csvLines.count == 3)
        }
        // The journal now holds the old kind-3 entry and a new kind-6 one.
        let kinds = JournalEntry.decodeAll(try TopicJournal.readFile(journalPath)).entries.compactMap { entry -> Bool? in
            if case .record(let record) = entry { return record.source != nil }
            return nil
        }
        #expect(kinds == [false, true])
    }

    /// Kind-6 entries keep the crash-safety of the others: a torn or corrupted tail is cut at
    /// the last intact entry; key and value round-trip (a null key too).
    @Test func recordEntriesWithSourceRoundTripAndTornTailsAreCut() throws {
        let row = JournalEntry.Row(layout: 0, timestamp: 5, line: Array("1,x".utf8)[...])
        let entries: [JournalEntry] = [
            .record(.init(partition: 1, offset: 2, kafkaTimestamp: 3, owner: .merchant("m1"), rows: [row],
                          source: .init(key: Array(#"{"k":1}"#.utf8)[...], value: Array(#"{"a":1}"#.utf8)[...]))),
            .record(.init(partition: 1, offset: 3, kafkaTimestamp: -1, owner: .everyone, rows: [row, row],
                          source: .init(key: nil, value: Array("{}".utf8)[...]))),
        ]
        var bytes: [UInt8] = []
        for entry in entries { entry.encode(into: &bytes) }
        #expect(JournalEntry.decodeAll(bytes).entries == entries)
        var one: [UInt8] = []
        entries[0].encode(into: &one)
        for cut in [bytes.count - 1, one.count + 9, one.count + 3] {
            let decoded = JournalEntry.decodeAll(Array(bytes[..<cut]))
            #expect(decoded.entries == [entries[0]] && decoded.validLength == one.count)
        }
        var corrupt = bytes
        corrupt[bytes.count - 2] ^= 0x40
        #expect(JournalEntry.decodeAll(corrupt).entries == [entries[0]])
    }

    /// Hostile and malformed `?filter=` values are refused with the filter error's code and
    /// byte position; form encoding (`+` a space) is read as browsers and `requests` send it.
    @Test func badFiltersAreRefusedWithCodeAndPosition() throws {
        let cases: [(String, String)] = [
            (String(repeating: "a", count: 5000), "too-long"),
            (String(repeating: "not ", count: 40) + "offset = 1", "too-deep"),
            ((0..<200).map { "offset = \($0)" }.joined(separator: " or "), "too-many-nodes"),
            ("offset in [" + (0..<300).map(String.init).joined(separator: ",") + "]", "too-many-items"),
            ("value." + Array(repeating: "a", count: 40).joined(separator: ".") + " = 1", "too-deep"),
            ("value.a >", "syntax"),
            ("headers.x = 1", "unknown-field"),
            ("header. = 1", "unknown-field"),
            ("", "syntax"),
        ]
        for (text, code) in cases {
            guard case .failure(let problem) = ExportHTTPServer.filter(query: text) else {
                Issue.record("accepted: \(text.prefix(40))")
                continue
            }
            #expect(problem.code == code, "\(text.prefix(40)): \(problem.message)")
            #expect(problem.position != nil)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(problem.body.utf8)) as? [String: Any])
            #expect(body["code"] as? String == problem.code && body["position"] as? Int == problem.position
                    && (body["error"] as? String)?.hasPrefix("filter: ") == true)
        }
        // A JSON-form filter with a bad operator is refused too (whatever code the parser gives).
        #expect(throws: ExportQueryProblem.self) { try ExportHTTPServer.filter(query: #"{"field": "value.a", "op": "~", "value": 1}"#).get() }
        #expect(try ExportHTTPServer.formValue("filter", query: "columns=a&filter=value.a+%3E+1%2B2").get() == "value.a > 1+2")
        #expect(try ExportHTTPServer.formValue("filter", query: "columns=a").get() == nil)
        #expect(try ExportHTTPServer.formValue("filter", query: nil).get() == nil)
        #expect(throws: ExportQueryProblem.self) { try ExportHTTPServer.formValue("filter", query: "filter=%ZZ").get() }
        #expect(try ExportHTTPServer.filter(query: #"{"field":"value.a","op":"=","value":1}"#).get() == RecordFilter(text: "value.a = 1"))
    }
}

extension ExportStore {
    /// The export as text, with a filter.
    func csv(_ topics: [String], merchant: String?, since: Int64? = nil, until: Int64? = nil, topicColumn: Bool = false,
             columns: [String]? = nil, filter: RecordFilter?) -> String {
        var buffer = render(topics: topics, merchant: merchant, since: since, until: until, topicColumn: topicColumn,
                            columns: columns, filter: filter)
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }
}
