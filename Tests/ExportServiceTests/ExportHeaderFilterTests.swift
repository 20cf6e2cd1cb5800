import Bus
import Foundation
import Logging
@testable import ExportService
import RecordFilter
import Testing
import TestSupport

/// `header.<name>` in exports: exportd keeps each record's Kafka headers with its key and value
/// (journal entry kind 7), judges them as realtimed does, and never guesses about records stored
/// before it kept headers (kind 6 entries).
@Suite struct ExportHeaderFilterTests {
    let logger = Logger(label: "test")

    func store(_ directory: String) throws -> ExportStore {
        try ExportStore(directory: directory, topics: ["buyOffer"], maxRows: 100_000, logger: logger)
    }

    static func record(_ offset: Int64, _ a: Int, _ headers: [BusRecordHeader]) -> BusRecord {
        var record = ExportFixtures.record("buyOffer", offset, #"{"a":\#(a),"timestamp":"2018-03-16T10:00:0\#(a).000Z"}"#)
        record.headers = headers
        return record
    }

    func cells(_ store: ExportStore, _ text: String) throws -> [String] {
        Array(store.csv(["buyOffer"], merchant: nil, columns: ["a"], filter: try RecordFilter(parsing: text)).csvLines.dropFirst())
    }

    /// Headers filter exports as they filter live records (last value of a name, null, not
    /// UTF-8 is missing), the same after a restart (rows reloaded from the journal).
    @Test func headerFiltersSelectRecordsAlsoAfterARestart() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        let first = try store(directory)
        try first.store([
            Self.record(0, 1, [BusRecordHeader(name: "src", value: Array("shop-1".utf8))]),
            Self.record(1, 2, [BusRecordHeader(name: "src", value: Array("shop-1".utf8)), BusRecordHeader(name: "src", value: Array("x".utf8))]),
            Self.record(2, 3, [BusRecordHeader(name: "src", value: nil), BusRecordHeader(name: "content-type", value: Array("a/b".utf8))]),
            Self.record(3, 4, [BusRecordHeader(name: "src", value: [0xff])]),
            Self.record(4, 5, []),
        ])
        for store in [first, try store(directory)] {
            #expect(try cells(store, #"header.src = "shop-1""#) == ["1"])
            #expect(try cells(store, #"header.src = "x""#) == ["2"])
            #expect(try cells(store, "header.src = null") == ["3"])
            #expect(try cells(store, #"header.src != "shop-1""#) == ["2", "3", "4", "5"])
            #expect(try cells(store, #"header.content-type prefix "a/""#) == ["3"])
            #expect(try cells(store, #"{"field": "header.src", "op": "prefix", "value": ""}"#) == ["1", "2"])
        }
    }

    /// A journal written before headers (record entries of kind 6: key and value, no headers)
    /// still loads; its rows pass filters that do not read headers and never one that does (not
    /// even `!=` or `not`): their headers are unknown. Records stored since are judged on theirs.
    @Test func recordsStoredBeforeHeadersAreNeverGuessed() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/topics", withIntermediateDirectories: true)
        let line = Array("1,2018-03-16T10:00:01.000Z".utf8)
        var old: [UInt8] = []
        for entry: JournalEntry in [
            .field(Array("a".utf8)), .field(Array("timestamp".utf8)), .layout([0, 1]),
            .record(.init(partition: 0, offset: 0, kafkaTimestamp: 1_700_000_000_000, owner: .everyone,
                          rows: [.init(layout: 0, timestamp: 1_521_194_401_000, line: line[...])],
                          source: .init(key: nil, value: Array(#"{"a":1,"timestamp":"2018-03-16T10:00:01.000Z"}"#.utf8)[...]))),
        ] { entry.encode(into: &old) }
        let journalPath = directory + "/topics/" + ExportStore.fileName(topic: "buyOffer") + ".journal"
        try Data(old).write(to: URL(fileURLWithPath: journalPath))
        func kinds() throws -> [UInt8] {
            let bytes = try TopicJournal.readFile(journalPath)
            var kinds: [UInt8] = [], index = 0
            while index + 8 < bytes.count {
                kinds.append(bytes[index + 8])
                index += 8 + Int(UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3]))
            }
            return kinds
        }
        #expect(try kinds() == [1, 1, 2, 6])

        let first = try store(directory)
        try first.store([Self.record(1, 2, [BusRecordHeader(name: "src", value: Array("s".utf8))]), Self.record(2, 3, [])])
        #expect(try kinds() == [1, 1, 2, 6, 7, 7])
        for store in [first, try store(directory)] {
            #expect(try cells(store, "value.a >= 1") == ["1", "2", "3"])
            #expect(try cells(store, #"header.src = "s""#) == ["2"])
            #expect(try cells(store, #"header.src != "s""#) == ["3"])
            #expect(try cells(store, #"not header.src = "s""#) == ["3"])
            #expect(try cells(store, #"value.a = 1 or header.src = "s""#) == ["2"])
        }
    }

    /// Kind-7 entries round-trip their headers (order, repeated names, null, empty and binary
    /// values) and keep the journal's crash-safety (a torn tail is cut).
    @Test func recordEntriesWithHeadersRoundTrip() {
        let row = JournalEntry.Row(layout: 0, timestamp: 5, line: Array("1,x".utf8)[...])
        let headers = [BusRecordHeader(name: "a", value: []), BusRecordHeader(name: "a", value: nil),
                       BusRecordHeader(name: "é", value: [0, 0xff])]
        let entries: [JournalEntry] = [
            .record(.init(partition: 1, offset: 2, kafkaTimestamp: 3, owner: .merchant("m1"), rows: [row],
                          source: .init(key: Array("1".utf8)[...], value: Array("{}".utf8)[...], headers: headers))),
            .record(.init(partition: 1, offset: 3, kafkaTimestamp: 3, owner: .everyone, rows: [row],
                          source: .init(key: nil, value: Array("{}".utf8)[...], headers: []))),
        ]
        var bytes: [UInt8] = []
        for entry in entries { entry.encode(into: &bytes) }
        #expect(bytes[8] == 7)
        #expect(JournalEntry.decodeAll(bytes).entries == entries)
        var one: [UInt8] = []
        entries[0].encode(into: &one)
        #expect(JournalEntry.decodeAll(Array(bytes.dropLast())).entries == [entries[0]])
        #expect(JournalEntry.decodeAll(Array(bytes.dropLast())).validLength == one.count)
    }
}
