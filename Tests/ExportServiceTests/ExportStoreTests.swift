import Bus
import Foundation
import Logging
@testable import ExportService
import Testing

@Suite struct ExportStoreTests {
    let logger = Logger(label: "test")
    let alpha = "p6ASDWlhsJAhTbv1EnJQu5g5zhyH+5s9xGAkmRYxKf8="
    let beta = "sBPSZ5Vkh6v6MRhYoTOO75U5t9JCbCiLnAryCV7C1cM="

    func fixtureRecords() throws -> [BusRecord] {
        let offers = try ExportFixtures.lines("buyOffer.jsonl").enumerated().map {
            BusRecord(topic: "buyOffer", partition: 0, offset: Int64($0.offset), timestamp: 1_521_194_460_000, key: nil, value: $0.element)
        }
        let situations = try ExportFixtures.lines("marketSituation.jsonl").enumerated().map {
            BusRecord(topic: "marketSituation", partition: 0, offset: Int64($0.offset), timestamp: 1_521_194_460_000, key: nil, value: $0.element)
        }
        return offers + situations
    }

    func store(_ directory: String, maxRows: Int = 100) throws -> ExportStore {
        try ExportStore(directory: directory, topics: ["buyOffer", "marketSituation"], maxRows: maxRows, logger: logger)
    }

    @Test func eachMerchantSeesPublicAndOwnRowsOnly() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store(try fixtureRecords())
        let lines = try ExportFixtures.lines("buyOffer.jsonl").map { String(decoding: $0, as: UTF8.self) }
        for merchant in [alpha, beta] {
            let csv = store.csv(["buyOffer"], merchant: merchant).csvLines
            let expected = lines.filter { !$0.contains("\"merchant_id\"") || $0.contains(merchant) }
            #expect(csv.count == expected.count + 1)
            let other = merchant == alpha ? beta : alpha
            #expect(csv.dropFirst().allSatisfy { !$0.contains(",\(other),") })
        }
        // marketSituation: the two public situations for both; the two beta triggered only for beta.
        let alphaSituations = store.csv(["marketSituation"], merchant: alpha).csvLines
        let betaSituations = store.csv(["marketSituation"], merchant: beta).csvLines
        #expect(alphaSituations.count == 1 + 2 * 2)
        #expect(betaSituations.count == 1 + 2 * 4)
        #expect(betaSituations[0].hasSuffix(",timestamp,triggering_merchant_id"))
        #expect(!alphaSituations[0].contains("triggering_merchant_id"))
        #expect(betaSituations.filter { $0.hasSuffix(",\(beta)") }.count == 4)
    }

    @Test func headerIsUnionInFirstSeenOrderAndOlderRowsAreWidened() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store([
            ExportFixtures.record("buyOffer", 0, #"{"a":1,"timestamp":"2018-03-16T10:00:00.000Z"}"#),
            ExportFixtures.record("buyOffer", 1, #"{"b":"x","a":2,"timestamp":"2018-03-16T10:00:01.000Z"}"#),
            ExportFixtures.record("buyOffer", 2, #"{"a":3,"timestamp":"2018-03-16T10:00:02.000Z","c":true}"#),
        ])
        #expect(store.csv(["buyOffer"], merchant: nil).csvLines == [
            "a,timestamp,b,c",
            "1,2018-03-16T10:00:00.000Z,,",
            "2,2018-03-16T10:00:01.000Z,x,",
            "3,2018-03-16T10:00:02.000Z,,true",
        ])
        // Multi-topic export: leading topic column.
        let all = store.csv(["buyOffer", "marketSituation"], merchant: nil, topicColumn: true).csvLines
        #expect(all.first == "topic,a,timestamp,b,c")
        #expect(all.dropFirst().allSatisfy { $0.hasPrefix("buyOffer,") })
    }

    /// `?columns=`: exactly the named columns, in that order; other fields left out, a column no
    /// row has empty; rows stored with any layout are cut right (issue 19).
    @Test func namedColumnsPickAndOrderTheCells() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store([
            ExportFixtures.record("buyOffer", 0, #"{"a":1,"timestamp":"2018-03-16T10:00:00.000Z"}"#),
            ExportFixtures.record("buyOffer", 1, #"{"b":"x,y","a":2,"timestamp":"2018-03-16T10:00:01.000Z"}"#),
            ExportFixtures.record("buyOffer", 2, #"{"a":3,"timestamp":"2018-03-16T10:00:02.000Z","c":true}"#),
        ])
        #expect(store.csv(["buyOffer"], merchant: nil, columns: ["b", "a", "missing"]).csvLines == [
            "b,a,missing",
            ",1,",
            "\"x,y\",2,",
            ",3,",
        ])
        // A prefix of the stored layout is copied as is.
        #expect(store.csv(["buyOffer"], merchant: nil, columns: ["a", "timestamp"]).csvLines == [
            "a,timestamp",
            "1,2018-03-16T10:00:00.000Z",
            "2,2018-03-16T10:00:01.000Z",
            "3,2018-03-16T10:00:02.000Z",
        ])
        #expect(store.csv(["buyOffer", "marketSituation"], merchant: nil, topicColumn: true, columns: ["c"]).csvLines
            == ["topic,c", "buyOffer,", "buyOffer,", "buyOffer,true"])
    }

    /// No visible row: an empty document, as the Price Wars proxy's `DataFrame([]).to_csv`
    /// (pandas reads it as `EmptyDataError`, the merchant client as `None`).
    @Test func emptyExportIsEmpty() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        #expect(store.csv(["buyOffer"], merchant: alpha) == "")
        #expect(store.csv(["buyOffer", "marketSituation"], merchant: alpha, topicColumn: true) == "")
    }

    @Test func sinceAndUntilFilterByTimestamp() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store(try fixtureRecords())
        let since = ExportTimestamp.milliseconds(iso8601: Array("2018-03-16T10:01:30.000Z".utf8))
        let until = ExportTimestamp.milliseconds(iso8601: Array("2018-03-16T10:02:00.000Z".utf8))
        let rows = store.csv(["buyOffer"], merchant: alpha, since: since, until: until).csvLines.dropFirst()
        #expect(!rows.isEmpty)
        for row in rows {
            let stamp = try #require(row.split(separator: ",").first { $0.hasPrefix("2018-") })
            let millis = try #require(ExportTimestamp.milliseconds(iso8601: Array(stamp.utf8)))
            #expect(millis >= since! && millis <= until!)
        }
    }

    /// A partition that restarted (its topic was recreated: a REPLAY said so with a rewound GAP)
    /// stores its new records though their offsets were stored before; the old rows stay, and
    /// the rewind survives a reopen (issue 12).
    @Test func aRewoundPartitionStoresItsNewRecordsDurably() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        do {
            let store = try store(directory)
            _ = try store.store((0..<5).map { ExportFixtures.record("buyOffer", $0, #"{"old":\#($0)}"#) })
            let fresh = (0..<3).map { ExportFixtures.record("buyOffer", $0, #"{"new":\#($0)}"#) }
            #expect(try store.store(fresh).duplicates == 3, "without a rewind the new records look stored")
            try store.rewind(topic: "buyOffer", partition: 0, next: 0)
            #expect(try store.store(fresh).stored == 3)
            #expect(store.storedOffsets["buyOffer"] == [0: 2])
        }
        let reopened = try store(directory)
        #expect(reopened.storedOffsets["buyOffer"] == [0: 2])
        let lines = reopened.csv(["buyOffer"], merchant: nil).csvLines
        #expect(lines.count == 1 + 5 + 3, "\(lines)")
        let again = try reopened.store([ExportFixtures.record("buyOffer", 2, #"{"new":2}"#), ExportFixtures.record("buyOffer", 3, #"{"new":3}"#)])
        #expect(again.duplicates == 1 && again.stored == 1)
    }

    @Test func duplicatesAreSkippedAndStateSurvivesReopen() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        let records = try fixtureRecords()
        let expected: String
        do {
            let store = try store(directory)
            let first = try store.store(records)
            #expect(first.stored == records.count)
            let again = try store.store(records)
            #expect(again.duplicates == records.count && again.stored == 0)
            expected = store.csv(["buyOffer"], merchant: alpha)
        }
        let reopened = try store(directory)
        #expect(reopened.csv(["buyOffer"], merchant: alpha) == expected)
        #expect(reopened.storedOffsets["buyOffer"] == [0: 11])
        #expect(reopened.replayOffsets(topic: "buyOffer") == BusReplayOffsets(["buyOffer": [0: 12]]))
        #expect(reopened.replayOffsets(topic: "marketSituation") == BusReplayOffsets(["marketSituation": [0: 4]]))
        #expect(try reopened.store(records).duplicates == records.count)
    }

    @Test func tornJournalTailIsDroppedOnOpen() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        do {
            let store = try store(directory)
            try store.store([ExportFixtures.record("buyOffer", 0, #"{"a":1}"#)])
            try store.store([ExportFixtures.record("buyOffer", 1, #"{"a":2}"#)])
        }
        let path = directory + "/topics/" + ExportStore.fileName(topic: "buyOffer") + ".journal"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let intact = bytes.count
        // A crash mid-write: the last entry is cut short.
        bytes.removeLast(3)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        do {
            let store = try store(directory)
            #expect(store.storedOffsets["buyOffer"] == [0: 0])
            #expect(store.csv(["buyOffer"], merchant: nil).csvLines.count == 2)
            // The journal was cut back to the intact prefix, so new appends are readable.
            try store.store([ExportFixtures.record("buyOffer", 1, #"{"a":2}"#)])
        }
        let reopened = try store(directory)
        #expect(reopened.storedOffsets["buyOffer"] == [0: 1])
        #expect(reopened.csv(["buyOffer"], merchant: nil).csvLines.count == 3)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == intact)

        // Garbage (a corrupt checksum) after the intact prefix is dropped too.
        var corrupt = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        corrupt += [0, 0, 0, 5, 1, 2, 3, 4, 9, 9, 9, 9, 9]
        try Data(corrupt).write(to: URL(fileURLWithPath: path))
        #expect(try store(directory).storedOffsets["buyOffer"] == [0: 1])
    }

    @Test func malformedRecordsAreCountedAndTheirOffsetsStored() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        let result = try store.store([
            ExportFixtures.record("buyOffer", 0, "not json"),
            BusRecord(topic: "buyOffer", partition: 0, offset: 1, key: nil, value: nil),
            ExportFixtures.record("buyOffer", 2, #"{"a":1}"#),
            ExportFixtures.record("elsewhere", 0, #"{"a":1}"#),
        ])
        #expect(result.malformed == 1 && result.stored == 3 && result.ignored == 1 && result.rows == 1)
        #expect(store.storedOffsets["buyOffer"] == [0: 2])
    }

    @Test func rowBoundKeepsNewestVisibleRowsPerMerchant() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        let maxRows = 8
        var records: [BusRecord] = []
        // Interleave public rows and private rows of alpha and beta.
        for offset in 0..<60 {
            let owner = offset % 3 == 0 ? "" : (offset % 3 == 1 ? #","merchant_id":"\#(alpha)""# : #","merchant_id":"\#(beta)""#)
            records.append(ExportFixtures.record("buyOffer", Int64(offset), #"{"n":\#(offset)\#(owner)}"#))
        }
        let store = try store(directory, maxRows: maxRows)
        // In small batches, as live records arrive.
        for batch in stride(from: 0, to: records.count, by: 7) {
            try store.store(Array(records[batch..<min(batch + 7, records.count)]))
        }
        func numbers(_ merchant: String?, _ store: ExportStore) -> [Int] {
            store.csv(["buyOffer"], merchant: merchant).csvLines.dropFirst().map { Int($0.split(separator: ",")[0])! }
        }
        let alphaExpected = (0..<60).filter { $0 % 3 != 2 }.suffix(maxRows)
        let betaExpected = (0..<60).filter { $0 % 3 != 1 }.suffix(maxRows)
        #expect(numbers(alpha, store) == Array(alphaExpected))
        #expect(numbers(beta, store) == Array(betaExpected))
        #expect(numbers(nil, store) == Array((0..<60).filter { $0 % 3 == 0 }.suffix(maxRows)))
        // Memory stays bounded (within the trimming slack).
        #expect(store.rowCounts["buyOffer"]! <= 3 * (maxRows + maxRows / 4))
        let reopened = try self.store(directory, maxRows: maxRows)
        #expect(numbers(alpha, reopened) == Array(alphaExpected))
        #expect(numbers(beta, reopened) == Array(betaExpected))
    }

    @Test func journalIsCompactedAndStaysExact() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        let store = try store(directory, maxRows: 10)
        for batch in 0..<30 {
            try store.store((0..<1000).map { index in
                let offset = Int64(batch * 1000 + index)
                return ExportFixtures.record("buyOffer", offset, #"{"n":\#(offset)}"#)
            })
        }
        let path = directory + "/topics/" + ExportStore.fileName(topic: "buyOffer") + ".journal"
        let size = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        // Every record takes about 60 bytes; the compacted journal holds far fewer than 30,000.
        #expect(size < 15_000 * 60)
        let reopened = try self.store(directory, maxRows: 10)
        #expect(reopened.storedOffsets["buyOffer"] == [0: 29_999])
        #expect(reopened.csv(["buyOffer"], merchant: nil) == store.csv(["buyOffer"], merchant: nil))
        #expect(reopened.csv(["buyOffer"], merchant: nil).csvLines.last?.hasPrefix("29999,") == true)
    }
}
