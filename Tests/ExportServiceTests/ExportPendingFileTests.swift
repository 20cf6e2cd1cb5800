import Bus
import Foundation
import Logging
import NIOCore
@testable import ExportService
import RecordFilter
import Testing

/// Issue 17: the two-step export (`GET /export/data/{topic}` + `GET /data/<id>.csv`) remembers
/// the selection instead of writing the file, and the download streams it from the store: the
/// same bytes as the one-step export asked at the moment the URL was answered, whatever arrives
/// in between; pending files expire, survive a restart and many can wait at once.
@Suite struct ExportPendingFileTests {
    let logger = Logger(label: "test")
    let alpha = "p6ASDWlhsJAhTbv1EnJQu5g5zhyH+5s9xGAkmRYxKf8="
    let beta = "sBPSZ5Vkh6v6MRhYoTOO75U5t9JCbCiLnAryCV7C1cM="
    let topics = ["buyOffer", "marketSituation"]

    /// One export's selection.
    typealias Selection = (topics: [String], merchant: String?, topicColumn: Bool, columns: [String]?, filter: String?)

    func store(_ directory: String, maxRows: Int = 100) throws -> ExportStore {
        try ExportStore(directory: directory, topics: topics, maxRows: maxRows, logger: logger)
    }

    func fixtureRecords() throws -> [BusRecord] {
        var records: [BusRecord] = []
        for topic in topics {
            for (offset, value) in try ExportFixtures.lines("\(topic).jsonl").enumerated() {
                records.append(BusRecord(topic: topic, partition: 0, offset: Int64(offset), timestamp: 1_521_194_460_000,
                                         key: nil, value: value))
            }
        }
        return records
    }

    /// `buyOffer` records from `offset` on: public, alpha's and beta's in turn; every fifth
    /// with a field the others lack (so later rows would change the header).
    func offers(from offset: Int, count: Int) -> [BusRecord] {
        (offset..<offset + count).map { n in
            let owner = n % 3 == 0 ? "" : #","merchant_id":"\#(n % 3 == 1 ? alpha : beta)""#
            let extra = n % 5 == 4 ? #","late_\#(n)":"x,\"y\"""# : ""
            return ExportFixtures.record("buyOffer", Int64(n), #"{"n":\#(n),"price":\#(n % 7)\#(owner)\#(extra)}"#)
        }
    }

    /// What `GET /data/<id>.csv` streams for `pending` (nil: 410).
    func download(_ store: ExportStore, _ pending: ExportPendingFile) -> [UInt8]? {
        let filter = pending.filter.map { try! RecordFilter(parsing: $0, limits: RecordFilterLimits()) }
        guard var renderer = store.renderer(pending: pending, filter: filter) else { return nil }
        var bytes: [UInt8] = []
        // Small chunks, so the cursor crosses chunk (and part) boundaries.
        let byteCount = renderer.documentByteCount()
        while var chunk = renderer.nextChunk(size: 97) { bytes += chunk.readBytes(length: chunk.readableBytes)! }
        // The download's Content-Length.
        #expect(byteCount == bytes.count)
        return bytes
    }

    /// The one-step export of the same selection, now.
    func oneStep(_ store: ExportStore, _ topics: [String], merchant: String?, topicColumn: Bool = false,
                 columns: [String]? = nil, filter: String? = nil) -> [UInt8] {
        var buffer = store.render(topics: topics, merchant: merchant, topicColumn: topicColumn, columns: columns,
                                  filter: filter.map { try! RecordFilter(parsing: $0, limits: RecordFilterLimits()) })
        return buffer.readBytes(length: buffer.readableBytes)!
    }

    /// The selections the tests try: merchants, one or all topics, columns, filters.
    var selections: [Selection] {
        var result: [Selection] = []
        for merchant in [alpha, beta, nil] {
            result.append((["buyOffer"], merchant, false, nil, nil))
            result.append((["marketSituation"], merchant, false, nil, nil))
            result.append((topics, merchant, true, nil, nil))
            result.append((["buyOffer"], merchant, false, ["timestamp", "price", "nothing"], nil))
            result.append((["buyOffer"], merchant, false, nil, "value.price >= 3"))
            result.append((topics, merchant, true, ["n", "price"], "offset > 2"))
            result.append((["buyOffer"], merchant, false, nil, "value.price > 100"))
        }
        return result
    }

    @Test func downloadIsTheOneStepExportByteForByte() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store(try fixtureRecords())
        try store.store(offers(from: 100, count: 60))
        for selection in selections {
            let pending = store.pendingFile(topics: selection.topics, merchant: selection.merchant, topicColumn: selection.topicColumn,
                                            columns: selection.columns, filter: selection.filter)
            let expected = oneStep(store, selection.topics, merchant: selection.merchant, topicColumn: selection.topicColumn,
                                   columns: selection.columns, filter: selection.filter)
            #expect(download(store, pending) == expected, "\(selection)")
        }
        // A filter no record passes, and a merchant without rows in a topic: empty, as the one-step form.
        let none = store.pendingFile(topics: ["buyOffer"], merchant: alpha, topicColumn: false, columns: nil, filter: "value.price > 100")
        #expect(download(store, none) == [])
    }

    @Test func rowsArrivingBetweenTheTwoRequestsAreLeftOut() throws {
        let store = try store(try ExportFixtures.temporaryDirectory())
        try store.store(offers(from: 0, count: 40))
        var pendings: [(ExportPendingFile, [UInt8])] = []
        for selection in selections {
            let pending = store.pendingFile(topics: selection.topics, merchant: selection.merchant, topicColumn: selection.topicColumn,
                                            columns: selection.columns, filter: selection.filter)
            pendings.append((pending, oneStep(store, selection.topics, merchant: selection.merchant,
                                              topicColumn: selection.topicColumn, columns: selection.columns,
                                              filter: selection.filter)))
        }
        // Public and private rows, with new columns, arrive in between, in several batches.
        for batch in 0..<4 { try store.store(offers(from: 40 + batch * 3, count: 3)) }
        for (pending, expected) in pendings {
            let bytes = try #require(download(store, pending))
            #expect(bytes == expected, "\(pending)")
            #expect(!String(decoding: bytes, as: UTF8.self).contains("late_49"))
        }
        // The one-step form does see them (49 is alpha's).
        #expect(String(decoding: oneStep(store, ["buyOffer"], merchant: alpha), as: UTF8.self).contains("late_49"))
    }

    @Test func rowsStayHeldWhileFewerThanAnEighthOfTheBoundArrive() throws {
        let maxRows = 100
        let store = try store(try ExportFixtures.temporaryDirectory(), maxRows: maxRows)
        // 124 public rows held: the next public row trims them (a quarter of the bound too many).
        try store.store(offers(from: 0, count: 370))
        let pendings = [alpha, beta, nil].map { merchant in
            (store.pendingFile(topics: ["buyOffer"], merchant: merchant, topicColumn: false, columns: nil, filter: nil),
             oneStep(store, ["buyOffer"], merchant: merchant))
        }
        // One record at a time, as live records arrive, fewer than an eighth of the bound that
        // any merchant sees: the trims in between keep the pending rows.
        var trims = 0
        for offset in 370..<(370 + maxRows / 8) {
            let held = store.rowCounts["buyOffer"]!
            try store.store(offers(from: offset, count: 1))
            if store.rowCounts["buyOffer"]! < held { trims += 1 }
            for (pending, expected) in pendings { #expect(download(store, pending) == expected, "after \(offset)") }
        }
        #expect(trims > 0)
        // Once the bound dropped a pending file's rows, its download is refused (410), never partial.
        try store.store(offers(from: 1000, count: 3 * maxRows))
        for (pending, _) in pendings { #expect(download(store, pending) == nil) }
    }

    @Test func pendingFilesSurviveARestart() throws {
        let directory = try ExportFixtures.temporaryDirectory()
        var expected: [(String, [UInt8])] = []
        do {
            let store = try store(directory)
            try store.store(try fixtureRecords())
            try store.store(offers(from: 100, count: 30))
            let files = try ExportFileRegistry(directory: directory + "/exports", ttl: .seconds(60))
            for selection in selections {
                let id = ExportFileRegistry.newID()
                try files.register(id: id, owner: selection.merchant ?? ExportUsage.anonymous, pending: store.pendingFile(
                    topics: selection.topics, merchant: selection.merchant, topicColumn: selection.topicColumn,
                    columns: selection.columns, filter: selection.filter))
                expected.append((id, oneStep(store, selection.topics, merchant: selection.merchant,
                                             topicColumn: selection.topicColumn, columns: selection.columns,
                                             filter: selection.filter)))
            }
            try store.store(offers(from: 130, count: 10))
        }
        // A torn description (a crash while it was written) is dropped on start.
        let torn = ExportFileRegistry.newID()
        try Data(#"{"parts":[{"top"#.utf8).write(to: URL(fileURLWithPath: directory + "/exports/\(torn).export"))
        let store = try store(directory)
        let files = try ExportFileRegistry(directory: directory + "/exports", ttl: .seconds(60))
        #expect(files.count == expected.count)
        #expect(files.lookup(id: torn) == nil)
        #expect(!FileManager.default.fileExists(atPath: directory + "/exports/\(torn).export"))
        for (id, bytes) in expected {
            guard case .pending(let pending) = try #require(files.lookup(id: id)) else {
                Issue.record("\(id) is not pending")
                continue
            }
            #expect(download(store, pending) == bytes)
        }
    }

    @Test func filesRenderedByAnOlderExportdAreStillServed() throws {
        let directory = try ExportFixtures.temporaryDirectory() + "/exports"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let id = ExportFileRegistry.newID()
        try Data("n,timestamp\n1,2018\n".utf8).write(to: URL(fileURLWithPath: directory + "/\(id).csv"))
        try Data("half".utf8).write(to: URL(fileURLWithPath: directory + "/\(ExportFileRegistry.newID()).csv.tmp"))
        let files = try ExportFileRegistry(directory: directory, ttl: .seconds(60))
        #expect(files.lookup(id: id) == .file(directory + "/\(id).csv"))
        #expect(files.count == 1 && files.bytes == 19)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["\(id).csv"])
    }

    @Test func pendingFilesExpireAndAreDeleted() async throws {
        let directory = try ExportFixtures.temporaryDirectory()
        let store = try store(directory)
        try store.store(offers(from: 0, count: 10))
        let files = try ExportFileRegistry(directory: directory + "/exports", ttl: .milliseconds(300))
        let id = ExportFileRegistry.newID()
        #expect(files.reserve(owner: alpha) == nil)
        let pending = store.pendingFile(topics: ["buyOffer"], merchant: alpha, topicColumn: false, columns: nil, filter: nil)
        try files.register(id: id, owner: alpha, pending: pending)
        #expect(files.lookup(id: id) == .pending(pending))
        #expect(files.bytes == pending.estimatedBytes && pending.estimatedBytes >= oneStep(store, ["buyOffer"], merchant: alpha).count)
        #expect(FileManager.default.fileExists(atPath: files.pendingPath(id: id)))
        #expect(files.lookup(id: ExportFileRegistry.newID()) == nil)
        try await Task.sleep(for: .milliseconds(400))
        // Expired: gone before the sweep, then deleted with its allowance freed.
        #expect(files.lookup(id: id) == nil)
        #expect(files.deleteExpired() == 1)
        #expect(!FileManager.default.fileExists(atPath: files.pendingPath(id: id)))
        #expect(files.count == 0 && files.bytes == 0)
    }

    @Test func manyPendingFilesWaitAndDownloadAtOnce() async throws {
        let directory = try ExportFixtures.temporaryDirectory()
        let store = try store(directory, maxRows: 1000)
        try store.store(offers(from: 0, count: 600))
        let files = try ExportFileRegistry(directory: directory + "/exports", ttl: .seconds(60))
        let selections = self.selections
        let count = 256
        // Asked at once: every one fixed at the same state (no writes yet).
        let made = await withTaskGroup(of: (String, Int).self) { group in
            for index in 0..<count {
                group.addTask {
                    let selection = selections[index % selections.count]
                    let id = ExportFileRegistry.newID()
                    try! files.register(id: id, owner: selection.merchant ?? ExportUsage.anonymous, pending: store.pendingFile(
                        topics: selection.topics, merchant: selection.merchant, topicColumn: selection.topicColumn,
                        columns: selection.columns, filter: selection.filter))
                    return (id, index % selections.count)
                }
            }
            return await group.reduce(into: [(String, Int)]()) { $0.append($1) }
        }
        #expect(files.count == count)
        let expected = selections.map {
            oneStep(store, $0.topics, merchant: $0.merchant, topicColumn: $0.topicColumn, columns: $0.columns, filter: $0.filter)
        }
        // Downloaded at once while new records are stored.
        let mismatches = await withTaskGroup(of: Int.self) { group in
            group.addTask {
                for batch in 0..<20 { try! store.store(self.offers(from: 600 + batch * 5, count: 5)) }
                return 0
            }
            for (id, selection) in made {
                group.addTask {
                    guard case .pending(let pending) = files.lookup(id: id) else { return 1 }
                    return self.download(store, pending) == expected[selection] ? 0 : 1
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
