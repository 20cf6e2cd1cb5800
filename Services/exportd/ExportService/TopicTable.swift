import Bus
import Visibility

/// Everything exportd keeps of one merchant topic, in memory: column names and layouts, the
/// public rows, each merchant's private rows, and the last stored offset per partition.
///
/// Bound: a merchant sees the public rows and its own; only the newest `maxRows` of those are
/// kept (older public rows are dropped once `maxRows` newer public rows exist; older private rows
/// once `maxRows` newer rows visible to that merchant exist). Trimming happens in steps of a
/// quarter of the bound, so exports pick the newest `maxRows` rows themselves. A trim keeps an
/// eighth of the bound more than `maxRows` (``retainedRows``): a pending two-step export's rows
/// (the newest `maxRows` when its URL was answered) stay held while fewer than `maxRows / 8`
/// newer rows visible to its merchant arrive.
struct TopicTable {
    let name: String
    let maxRows: Int
    private(set) var fields: [[UInt8]] = []
    private var fieldIDs: [[UInt8]: UInt32] = [:]
    private(set) var layouts: [[UInt32]] = []
    private var layoutIDs: [[UInt32]: UInt32] = [:]
    private(set) var publicRows = RowLog()
    private(set) var merchantRows: [String: RowLog] = [:]
    /// Last stored offset per partition.
    private(set) var offsets: [Int32: Int64] = [:]
    private var nextSequence: UInt64 = 1
    /// Rows written to the journal since it was last compacted (dropped ones included).
    private(set) var journalRows = 0

    init(name: String, maxRows: Int) {
        self.name = name
        self.maxRows = maxRows
    }

    /// Rows a trim keeps per log: the bound plus half the trimming slack, so a trim right after
    /// a two-step export's URL was answered does not drop its rows.
    var retainedRows: Int { maxRows + max(1, maxRows / 4) / 2 }

    /// Rows held in memory.
    var rowCount: Int { publicRows.count + merchantRows.values.reduce(0) { $0 + $1.count } }

    /// Whether the record at `partition`/`offset` is already stored.
    func contains(partition: Int32, offset: Int64) -> Bool {
        guard let last = offsets[partition] else { return false }
        return offset <= last
    }

    /// Stores a record's rows and appends the journal entries that make it durable to `journal`.
    /// The record's key and value JSON and its headers are kept with its rows (and journaled,
    /// entry kind 7) for filters; a record whose rows no one sees or that has none keeps none of them.
    mutating func store(partition: Int32, offset: Int64, kafkaTimestamp: Int64, owner: RecordOwner, rows: [BuiltRow],
                        key: [UInt8]?, value: [UInt8]?, headers: [BusRecordHeader], journal: inout [UInt8]) {
        var stored: [JournalEntry.Row] = []
        stored.reserveCapacity(rows.count)
        for row in rows {
            let layout = layoutID(row.fields, journal: &journal)
            stored.append(JournalEntry.Row(layout: layout, timestamp: row.timestamp, line: row.line[...]))
        }
        let source = rows.isEmpty || owner == .nobody ? nil : value.map { StoredRecord(key: key, value: $0, headers: headers) }
        let record = JournalEntry.Record(partition: partition, offset: offset, kafkaTimestamp: kafkaTimestamp,
                                         owner: owner, rows: stored, source: source.map(Self.journalSource))
        JournalEntry.record(record).encode(into: &journal)
        apply(record, source: source)
    }

    /// The journal form of a record's key and value.
    private static func journalSource(_ record: StoredRecord) -> JournalEntry.Source {
        JournalEntry.Source(key: record.key?[...], value: record.value[...], headers: record.headers)
    }

    /// Applies an entry read back from the journal.
    mutating func load(_ entry: JournalEntry) {
        switch entry {
        case .field(let name):
            fieldIDs[name] = UInt32(fields.count)
            fields.append(name)
        case .layout(let ids):
            layoutIDs[ids] = UInt32(layouts.count)
            layouts.append(ids)
        case .record(let record):
            guard record.rows.allSatisfy({ Int($0.layout) < layouts.count }) else {
                offsets[record.partition] = max(offsets[record.partition] ?? -1, record.offset)
                return
            }
            // Kind 3 (a journal written before filters) has no source: its rows keep none; kind 6
            // (before headers) keeps key and value, its headers unknown.
            apply(record, source: record.source.map {
                StoredRecord(key: $0.key.map(Array.init), value: Array($0.value), headers: $0.headers)
            })
        case .offsets(let stored):
            for (partition, offset) in stored { offsets[partition] = max(offsets[partition] ?? -1, offset) }
        case .rewind(let partition, let next):
            offsets[partition] = next - 1
        }
    }

    /// The partition restarted at `next` (its topic was recreated or truncated): records from
    /// `next` on are stored again though their offsets were stored before (the rows stored then
    /// stay). Appends the journal entry that makes it durable to `journal`.
    mutating func rewind(partition: Int32, next: Int64, journal: inout [UInt8]) {
        guard let last = offsets[partition], last >= next else { return }
        JournalEntry.rewind(partition: partition, next: next).encode(into: &journal)
        offsets[partition] = next - 1
    }

    private mutating func apply(_ record: JournalEntry.Record, source: StoredRecord?) {
        offsets[record.partition] = max(offsets[record.partition] ?? -1, record.offset)
        journalRows += record.rows.count
        let id: String
        switch record.owner {
        case .nobody: return
        case .everyone:
            for row in record.rows {
                publicRows.append(line: row.line, sequence: nextSequence, layout: row.layout, timestamp: row.timestamp,
                                  partition: record.partition, offset: record.offset, kafkaTimestamp: record.kafkaTimestamp,
                                  record: source)
                nextSequence += 1
            }
            if publicRows.count >= maxRows + max(1, maxRows / 4) {
                publicRows.dropOldest(publicRows.count - retainedRows)
            }
            return
        case .merchant(let merchant): id = merchant
        }
        var log = merchantRows.removeValue(forKey: id) ?? RowLog()
        for row in record.rows {
            log.append(line: row.line, sequence: nextSequence, layout: row.layout, timestamp: row.timestamp,
                       partition: record.partition, offset: record.offset, kafkaTimestamp: record.kafkaTimestamp,
                       record: source)
            nextSequence += 1
        }
        trimPrivate(&log)
        merchantRows[id] = log
    }

    /// Drops private rows that have ``retainedRows`` newer visible rows, once a quarter-bound of
    /// slack has built up.
    private func trimPrivate(_ log: inout RowLog) {
        let slack = max(1, maxRows / 4)
        guard log.count + min(publicRows.count, maxRows) >= maxRows + slack else { return }
        let start = ExportSelection.newestStart(publicRows: publicRows, privateRows: log, limit: retainedRows)
        log.dropOldest(start.privateIndex)
    }

    /// Trims every log to ``retainedRows`` (after public rows grew).
    mutating func trimAll() {
        if publicRows.count > retainedRows { publicRows.dropOldest(publicRows.count - retainedRows) }
        for id in Array(merchantRows.keys) {
            var log = merchantRows.removeValue(forKey: id)!
            let start = ExportSelection.newestStart(publicRows: publicRows, privateRows: log, limit: retainedRows)
            log.dropOldest(start.privateIndex)
            if !log.isEmpty { merchantRows[id] = log }
        }
    }

    private mutating func layoutID(_ names: [[UInt8]], journal: inout [UInt8]) -> UInt32 {
        var ids: [UInt32] = []
        ids.reserveCapacity(names.count)
        for name in names {
            if let id = fieldIDs[name] {
                ids.append(id)
            } else {
                let id = UInt32(fields.count)
                fieldIDs[name] = id
                fields.append(name)
                JournalEntry.field(name).encode(into: &journal)
                ids.append(id)
            }
        }
        if let id = layoutIDs[ids] { return id }
        let id = UInt32(layouts.count)
        layoutIDs[ids] = id
        layouts.append(ids)
        JournalEntry.layout(ids).encode(into: &journal)
        return id
    }

    /// The whole retained state as a fresh journal: fields, layouts, offsets, then every kept
    /// record in arrival order (with its key and value when it has them: kind 6, else kind 3).
    func compactedJournal() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(publicRows.bytes.count + merchantRows.values.reduce(0) { $0 + $1.bytes.count } + rowCount * 40)
        for name in fields { JournalEntry.field(name).encode(into: &output) }
        for layout in layouts { JournalEntry.layout(layout).encode(into: &output) }
        JournalEntry.offsets(offsets).encode(into: &output)
        var cursors: [(owner: RecordOwner, log: RowLog, index: Int)] = [(.everyone, publicRows, 0)]
        for (id, log) in merchantRows { cursors.append((.merchant(id), log, 0)) }
        while true {
            var best = -1
            var bestSequence = UInt64.max
            for (position, cursor) in cursors.enumerated() where cursor.index < cursor.log.count {
                let sequence = cursor.log.rows[cursor.index].sequence
                if sequence < bestSequence { best = position; bestSequence = sequence }
            }
            guard best >= 0 else { break }
            let log = cursors[best].log
            let first = log.rows[cursors[best].index]
            var rows: [JournalEntry.Row] = []
            let source = log.records[cursors[best].index]
            var index = cursors[best].index
            while index < log.count, log.rows[index].partition == first.partition, log.rows[index].offset == first.offset {
                rows.append(JournalEntry.Row(layout: log.rows[index].layout, timestamp: log.rows[index].timestamp, line: log.line(index)))
                index += 1
            }
            cursors[best].index = index
            JournalEntry.record(JournalEntry.Record(partition: first.partition, offset: first.offset,
                                                    kafkaTimestamp: first.kafkaTimestamp, owner: cursors[best].owner,
                                                    rows: rows, source: source.map(Self.journalSource))).encode(into: &output)
        }
        return output
    }

    /// Call after the journal was replaced by ``compactedJournal()``.
    mutating func journalCompacted() { journalRows = rowCount }
}
