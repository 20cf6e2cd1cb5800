import Bus
import Logging
import NIOCore
import RecordFilter
import Synchronization
import Visibility
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// exportd's storage: per merchant topic a ``TopicTable`` in memory (what exports read) and a
/// ``TopicJournal`` under `DATA_DIR/topics/` (what survives a crash).
///
/// One writer (the bus follower) calls ``store(_:)``; any number of readers call ``render``.
/// A record is stored at most once: records at or below a partition's stored offset are skipped,
/// so snapshot, replay and live overlaps are harmless. ``store(_:)`` blocks (it fsyncs): call it
/// off the concurrency pool.
public final class ExportStore: Sendable {
    /// The merchant topics, in configuration order.
    public let topics: [String]
    let maxRows: Int
    private let tables: Mutex<[String: TopicTable]>
    private let journals: Mutex<JournalState>
    private let logger: Logger

    /// Opens (creating) the storage under `directory` and loads what it holds, dropping a torn
    /// journal tail left by a crash.
    public init(directory: String, topics: [String], maxRows: Int, logger: Logger) throws(ExportStorageError) {
        self.topics = topics
        self.maxRows = maxRows
        self.logger = logger
        let topicDirectory = directory + "/topics"
        try Self.makeDirectory(directory)
        try Self.makeDirectory(topicDirectory)
        var tables: [String: TopicTable] = [:]
        var journals: [String: TopicJournal] = [:]
        for topic in topics {
            let path = topicDirectory + "/" + Self.fileName(topic: topic) + ".journal"
            let (journal, entries, dropped) = try TopicJournal.open(path: path)
            if dropped > 0 {
                logger.warning("dropped a torn journal tail", metadata: ["topic": "\(topic)", "bytes": "\(dropped)"])
            }
            var table = TopicTable(name: topic, maxRows: maxRows)
            for entry in entries { table.load(entry) }
            table.trimAll()
            tables[topic] = table
            journals[topic] = journal
            logger.info("loaded stored rows", metadata: [
                "topic": "\(topic)", "rows": "\(table.rowCount)", "partitions": "\(table.offsets.count)"])
        }
        self.tables = Mutex(tables)
        self.journals = Mutex(JournalState(journals: journals))
    }

    /// Each topic's journal, and the entries that belong at its end but could not be written
    /// yet (a failed write: disk full, EIO). Those are written first, before anything newer, so
    /// a journal always holds a prefix of what is stored: a restart replays the rest from Kafka.
    private struct JournalState {
        var journals: [String: TopicJournal]
        var unwritten: [String: [UInt8]] = [:]
    }

    /// Bytes of journal entries stored in memory but not yet on disk.
    public var unwrittenBytes: Int {
        journals.withLock { state in state.unwritten.values.reduce(0) { $0 + $1.count } }
    }

    /// Writes the entries a failed write left unwritten; throws while that still fails.
    public func flushUnwritten() throws(ExportStorageError) {
        try journals.withLock { state throws(ExportStorageError) in
            for (topic, bytes) in state.unwritten {
                guard let journal = state.journals[topic] else { continue }
                try journal.append(bytes)
                state.unwritten[topic] = nil
            }
        }
    }

    /// Whether `topic` is a merchant topic.
    public func isMerchantTopic(_ topic: String) -> Bool { topics.contains(topic) }

    /// The last stored offset per topic and partition.
    public var storedOffsets: [String: [Int32: Int64]] {
        tables.withLock { tables in tables.mapValues(\.offsets) }
    }

    /// Rows held per topic.
    public var rowCounts: [String: Int] {
        tables.withLock { tables in tables.mapValues(\.rowCount) }
    }

    /// The REPLAY request that brings `topic` up to date: every stored partition from its
    /// stored offset + 1 (ingestd replays partitions not listed from their first record), or
    /// partition 0 from 0 when nothing is stored yet.
    public func replayOffsets(topic: String) -> BusReplayOffsets {
        let stored = storedOffsets[topic] ?? [:]
        if stored.isEmpty { return BusReplayOffsets([topic: [0: 0]]) }
        return BusReplayOffsets([topic: stored.mapValues { $0 + 1 }])
    }

    /// What ``store(_:)`` did with a batch.
    public struct StoreResult: Sendable, Equatable {
        /// Records stored (each Kafka record at most once).
        public var stored = 0
        /// Records skipped because their offset was already stored.
        public var duplicates = 0
        /// Stored records whose value was not a JSON object of the expected form (no rows).
        public var malformed = 0
        /// CSV rows the stored records gave.
        public var rows = 0
        /// Records of topics that are not merchant topics.
        public var ignored = 0
    }

    /// Records stored per journal append (and per hold of the lock).
    static let batchSize = 2048

    /// Stores the records of merchant topics not stored yet, durably (journal appended and
    /// fsync'd before returning), in batches of ``batchSize``. Blocking. When a journal write
    /// fails, the records are stored in memory and their entries kept as unwritten: the error
    /// is thrown, and ``flushUnwritten()`` must succeed before anything newer is stored.
    @discardableResult
    public func store(_ records: [BusRecord]) throws(ExportStorageError) -> StoreResult {
        var result = StoreResult()
        var start = records.startIndex
        while start < records.endIndex {
            let end = min(start + Self.batchSize, records.endIndex)
            try storeBatch(records[start..<end], into: &result)
            start = end
        }
        return result
    }

    /// A record turned into rows, before it is stored.
    private struct ParsedRecord {
        var record: BusRecord
        var owner: RecordOwner
        var rows: [BuiltRow]
        var problem: RowBuildError?
    }

    private func storeBatch(_ records: ArraySlice<BusRecord>, into result: inout StoreResult) throws(ExportStorageError) {
        // JSON work happens outside the lock, so exports never wait for it.
        var parsed: [ParsedRecord] = []
        parsed.reserveCapacity(records.count)
        for record in records {
            guard isMerchantTopic(record.topic) else {
                result.ignored += 1
                continue
            }
            var item = ParsedRecord(record: record, owner: .nobody, rows: [], problem: nil)
            if let value = record.value {
                do {
                    (item.owner, item.rows) = try RowBuilder.rows(topic: record.topic, value: value, kafkaTimestamp: record.timestamp)
                } catch {
                    item.problem = error
                }
            }
            parsed.append(item)
        }
        var pending: [String: [UInt8]] = [:]
        var compact: [String: [UInt8]] = [:]
        tables.withLock { tables in
            for item in parsed {
                let record = item.record
                guard var table = tables[record.topic] else { continue }
                if table.contains(partition: record.partition, offset: record.offset) {
                    result.duplicates += 1
                    continue
                }
                if let problem = item.problem {
                    result.malformed += 1
                    logger.warning("record is not a JSON object of the expected form; stored as empty", metadata: [
                        "topic": "\(record.topic)", "partition": "\(record.partition)",
                        "offset": "\(record.offset)", "error": "\(problem)"])
                }
                tables[record.topic] = nil  // keep the table uniquely referenced while it changes
                table.store(partition: record.partition, offset: record.offset, kafkaTimestamp: record.timestamp,
                            owner: item.owner, rows: item.rows, key: record.key, value: record.value,
                            headers: record.headers, journal: &pending[record.topic, default: []])
                result.stored += 1
                result.rows += item.rows.count
                tables[record.topic] = table
            }
            for topic in pending.keys {
                guard var table = tables[topic], table.journalRows > 2 * table.rowCount + 10_000 else { continue }
                tables[topic] = nil
                table.trimAll()
                compact[topic] = table.compactedJournal()
                table.journalCompacted()
                tables[topic] = table
            }
        }
        try writeJournals(pending, compacted: compact)
    }

    /// Appends `pending` journal entries per topic (or replaces a journal with its compacted
    /// form); entries that cannot be written stay unwritten and go first next time.
    private func writeJournals(_ pending: [String: [UInt8]], compacted compact: [String: [UInt8]]) throws(ExportStorageError) {
        try journals.withLock { state throws(ExportStorageError) in
            var firstError: ExportStorageError?
            for (topic, bytes) in pending {
                guard let journal = state.journals[topic] else { continue }
                do throws(ExportStorageError) {
                    if let compacted = compact[topic] {
                        // The compacted journal holds everything stored, unwritten entries and this batch included.
                        try journal.replace(with: compacted)
                        state.unwritten[topic] = nil
                        logger.debug("journal compacted", metadata: ["topic": "\(topic)", "bytes": "\(compacted.count)"])
                    } else {
                        // Kept as unwritten until the append succeeds.
                        state.unwritten[topic, default: []] += bytes
                        try journal.append(state.unwritten[topic] ?? [])
                        state.unwritten[topic] = nil
                    }
                } catch {
                    // A failed compaction left the old journal as it was: this batch still belongs at its end.
                    if compact[topic] != nil { state.unwritten[topic, default: []] += bytes }
                    firstError = firstError ?? error
                }
            }
            if let firstError { throw firstError }
        }
    }

    /// A partition of `topic` restarted at `next` (a REPLAY said so with a rewound GAP: the topic
    /// was recreated or truncated): its records from `next` on are stored, though this export
    /// stored records with those offsets before. Durable once it returns.
    public func rewind(topic: String, partition: Int32, next: Int64) throws(ExportStorageError) {
        var pending: [String: [UInt8]] = [:]
        tables.withLock { tables in
            guard var table = tables[topic] else { return }
            tables[topic] = nil
            table.rewind(partition: partition, next: next, journal: &pending[topic, default: []])
            tables[topic] = table
        }
        guard pending[topic]?.isEmpty == false else { return }
        try writeJournals(pending, compacted: [:])
    }

    /// Renders the export of `topics` for `merchant` (nil: public rows only) as CSV: the rows
    /// the merchant may see, of the records that pass `filter` (every row of such a record).
    public func render(topics wanted: [String], merchant: String?, since: Int64? = nil, until: Int64? = nil,
                       topicColumn: Bool = false, columns: [String]? = nil, filter: RecordFilter? = nil) -> ByteBuffer {
        CSVExportRenderer.render(exportParts(wanted), merchant: merchant, since: since, until: until, topicColumn: topicColumn,
                                 columns: columns, filter: filter)
    }

    /// A renderer of the export of `topics` for `merchant`, to write in chunks. It reads a
    /// copy-on-write copy of the tables taken now.
    func renderer(topics wanted: [String], merchant: String?, since: Int64? = nil, until: Int64? = nil,
                  topicColumn: Bool = false, columns: [String]? = nil, filter: RecordFilter? = nil) -> CSVExportRenderer {
        CSVExportRenderer(exportParts(wanted), merchant: merchant, since: since, until: until, topicColumn: topicColumn,
                          columns: columns, filter: filter)
    }

    /// The selection of a two-step export (`GET /export/data/{topic}`), fixed now and not
    /// rendered: per topic, where the rows `merchant` may see lie (the newest `maxRows`), so
    /// ``renderer(pending:filter:)`` renders exactly these rows later, whatever arrives meanwhile.
    /// Takes the lock only to read the positions (no copy of the rows).
    func pendingFile(topics wanted: [String], merchant: String?, topicColumn: Bool, columns: [String]?,
                     filter: String?) -> ExportPendingFile {
        var estimatedBytes = 256
        let parts: [ExportPendingFile.Part] = tables.withLock { tables in
            wanted.compactMap { topic in
                guard let table = tables[topic] else { return nil }
                let publicRows = table.publicRows
                let privateRows = merchant.flatMap { table.merchantRows[$0] } ?? RowLog()
                let start = ExportSelection.newestStart(publicRows: publicRows, privateRows: privateRows, limit: table.maxRows)
                estimatedBytes += publicRows.lineBytes(start.publicIndex..<publicRows.count)
                    + privateRows.lineBytes(start.privateIndex..<privateRows.count)
                return ExportPendingFile.Part(topic: topic,
                                              publicRows: ExportWindowMark(publicRows, start: start.publicIndex, end: publicRows.count),
                                              privateRows: ExportWindowMark(privateRows, start: start.privateIndex, end: privateRows.count))
            }
        }
        if topicColumn { estimatedBytes += estimatedBytes / 8 }
        return ExportPendingFile(parts: parts, merchant: merchant, topicColumn: topicColumn, columns: columns, filter: filter,
                                 estimatedBytes: estimatedBytes)
    }

    /// A renderer of the rows of `pending` (of the records that pass `filter`, its parsed
    /// ``ExportPendingFile/filter``), reading a copy-on-write copy of the tables taken now; nil
    /// when the store no longer holds all of them (the bound dropped some, or a topic is no
    /// longer a merchant topic).
    func renderer(pending: ExportPendingFile, filter: RecordFilter?) -> CSVExportRenderer? {
        let found: [TopicTable?] = tables.withLock { tables in pending.parts.map { tables[$0.topic] } }
        var parts: [CSVExportRenderer.Part] = []
        var selections: [ExportSelection] = []
        for (part, table) in zip(pending.parts, found) {
            guard let table else { return nil }
            var ranges: [Range<Int>] = []
            for (mark, log) in [(part.publicRows, table.publicRows),
                                (part.privateRows, pending.merchant.flatMap { table.merchantRows[$0] } ?? RowLog())] {
                guard let mark else {
                    ranges.append(0..<0)
                    continue
                }
                guard let range = mark.range(in: log) else { return nil }
                ranges.append(range)
            }
            parts.append(CSVExportRenderer.Part(topic: part.topic, table: table))
            selections.append(ExportSelection(table: table, merchant: pending.merchant, publicRange: ranges[0],
                                              privateRange: ranges[1], filter: filter))
        }
        return CSVExportRenderer(parts, selections: selections, topicColumn: pending.topicColumn, columns: pending.columns)
    }

    private func exportParts(_ wanted: [String]) -> [CSVExportRenderer.Part] {
        tables.withLock { tables in
            wanted.compactMap { topic in tables[topic].map { CSVExportRenderer.Part(topic: topic, table: $0) } }
        }
    }

    /// A file name for a topic: its bytes in hex, so any topic name is a safe name.
    static func fileName(topic: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var name: [UInt8] = []
        for byte in topic.utf8 { name.append(digits[Int(byte >> 4)]); name.append(digits[Int(byte & 15)]) }
        return String(decoding: name, as: UTF8.self)
    }

    static func makeDirectory(_ path: String) throws(ExportStorageError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw ExportStorageError(path: path, operation: "mkdir", errno: errno)
        }
    }
}
