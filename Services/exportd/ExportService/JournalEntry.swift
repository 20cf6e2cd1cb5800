import Bus
import Visibility

/// One entry of a topic's journal file (see ``TopicJournal``).
///
/// Framing: `length` uint32 BE, `crc32` uint32 BE of the payload, payload. Payload: a kind byte,
/// then big-endian fields.
///
/// Kinds: 1 field, 2 layout, 3 record (as written before filters: rows only), 4 offsets,
/// 5 rewind, 6 record with its key and value JSON (``Record/source``; written since filters,
/// issue 19), 7 record with its key and value JSON and its Kafka headers (written since header
/// filters). Kinds are never changed once written: a journal of an older version loads as it
/// was (kind 3 without source, kind 6 with a source whose headers are unknown). An older
/// exportd reading a newer kind stops there as at a torn tail (it cuts the journal and replays
/// the rest from Kafka).
enum JournalEntry: Equatable {
    /// A new column name; its id is the number of fields defined before it.
    case field([UInt8])
    /// A new column layout (field ids in order); its id is the number of layouts before it.
    case layout([UInt32])
    /// A record and its rows (possibly none: the offset still counts as stored).
    case record(Record)
    /// The last stored offset per partition (written first by compaction, for dropped records).
    case offsets([Int32: Int64])
    /// The partition restarted (its topic was recreated or truncated): records from `next` on are
    /// new, whatever this journal stored with those offsets before.
    case rewind(partition: Int32, next: Int64)

    struct Record: Equatable {
        var partition: Int32
        var offset: Int64
        var kafkaTimestamp: Int64
        var owner: RecordOwner
        var rows: [Row]
        /// The record's key and value JSON (kind 6); nil for kind 3 (a journal written before
        /// filters, or a record without rows, where nothing reads it).
        var source: Source? = nil
    }

    /// A record's key (nil: a null key) and value as JSON text and its Kafka headers, for filters.
    struct Source: Equatable {
        var key: ArraySlice<UInt8>?
        var value: ArraySlice<UInt8>
        /// The headers in order (kind 7); nil when not known (kind 6, written before headers).
        var headers: [BusRecordHeader]? = nil
    }

    struct Row: Equatable {
        var layout: UInt32
        var timestamp: Int64
        var line: ArraySlice<UInt8>
    }

    /// Appends the framed entry to `output`.
    func encode(into output: inout [UInt8]) {
        let frameStart = output.count
        output.append(contentsOf: [0, 0, 0, 0, 0, 0, 0, 0])
        let payloadStart = output.count
        switch self {
        case .field(let name):
            output.append(1)
            output.append(contentsOf: name)
        case .layout(let ids):
            output.append(2)
            Self.put(UInt32(ids.count), &output)
            for id in ids { Self.put(id, &output) }
        case .record(let record):
            output.append(record.source == nil ? 3 : record.source?.headers == nil ? 6 : 7)
            Self.put(UInt32(bitPattern: record.partition), &output)
            Self.put(UInt64(bitPattern: record.offset), &output)
            Self.put(UInt64(bitPattern: record.kafkaTimestamp), &output)
            switch record.owner {
            case .everyone: output.append(0)
            case .nobody: output.append(2)
            case .merchant(let id):
                output.append(1)
                let bytes = Array(id.utf8)
                Self.put(UInt32(bytes.count), &output)
                output.append(contentsOf: bytes)
            }
            if let source = record.source {
                if let key = source.key {
                    output.append(1)
                    Self.put(UInt32(key.count), &output)
                    output.append(contentsOf: key)
                } else {
                    output.append(0)
                }
                Self.put(UInt32(source.value.count), &output)
                output.append(contentsOf: source.value)
                if let headers = source.headers {
                    // count, then per header: name length and name, value tag (0 null, 1 bytes), length and value.
                    Self.put(UInt32(headers.count), &output)
                    for header in headers {
                        let name = Array(header.name.utf8)
                        Self.put(UInt32(name.count), &output)
                        output.append(contentsOf: name)
                        if let value = header.value {
                            output.append(1)
                            Self.put(UInt32(value.count), &output)
                            output.append(contentsOf: value)
                        } else {
                            output.append(0)
                        }
                    }
                }
            }
            Self.put(UInt32(record.rows.count), &output)
            for row in record.rows {
                Self.put(row.layout, &output)
                Self.put(UInt64(bitPattern: row.timestamp), &output)
                Self.put(UInt32(row.line.count), &output)
                output.append(contentsOf: row.line)
            }
        case .rewind(let partition, let next):
            output.append(5)
            Self.put(UInt32(bitPattern: partition), &output)
            Self.put(UInt64(bitPattern: next), &output)
        case .offsets(let offsets):
            output.append(4)
            Self.put(UInt32(offsets.count), &output)
            for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
                Self.put(UInt32(bitPattern: partition), &output)
                Self.put(UInt64(bitPattern: offset), &output)
            }
        }
        let length = UInt32(output.count - payloadStart)
        let crc = CRC32.checksum(output[payloadStart...])
        Self.write(length, at: frameStart, &output)
        Self.write(crc, at: frameStart + 4, &output)
    }

    /// Decodes the entries of a journal file: every complete, intact entry from the start, and
    /// the length of that valid prefix (a torn or corrupt tail ends the scan).
    static func decodeAll(_ bytes: [UInt8]) -> (entries: [JournalEntry], validLength: Int) {
        var entries: [JournalEntry] = []
        var index = 0
        while index + 8 <= bytes.count {
            let length = Int(read32(bytes, index))
            let crc = read32(bytes, index + 4)
            let payload = index + 8
            guard length > 0, payload + length <= bytes.count,
                  CRC32.checksum(bytes[payload..<payload + length]) == crc,
                  let entry = decode(bytes[payload..<payload + length]) else { break }
            entries.append(entry)
            index = payload + length
        }
        return (entries, index)
    }

    private static func decode(_ payload: ArraySlice<UInt8>) -> JournalEntry? {
        var reader = Reader(bytes: payload, index: payload.startIndex)
        guard let kind = reader.byte() else { return nil }
        switch kind {
        case 1: return .field(Array(payload.dropFirst()))
        case 2:
            guard let count = reader.u32(), Int(count) <= payload.count else { return nil }
            var ids: [UInt32] = []
            for _ in 0..<count { guard let id = reader.u32() else { return nil }; ids.append(id) }
            return reader.atEnd ? .layout(ids) : nil
        case 3, 6, 7:
            guard let partition = reader.u32(), let offset = reader.u64(), let kafkaTimestamp = reader.u64(),
                  let ownerTag = reader.byte() else { return nil }
            let owner: RecordOwner
            switch ownerTag {
            case 0: owner = .everyone
            case 2: owner = .nobody
            case 1:
                guard let length = reader.u32(), let id = reader.bytes(Int(length)) else { return nil }
                owner = .merchant(String(decoding: id, as: UTF8.self))
            default: return nil
            }
            var source: Source?
            if kind >= 6 {
                guard let keyTag = reader.byte() else { return nil }
                var key: ArraySlice<UInt8>?
                switch keyTag {
                case 0: key = nil
                case 1:
                    guard let length = reader.u32(), let bytes = reader.bytes(Int(length)) else { return nil }
                    key = bytes
                default: return nil
                }
                guard let length = reader.u32(), let value = reader.bytes(Int(length)) else { return nil }
                source = Source(key: key, value: value)
            }
            if kind == 7 {
                guard let count = reader.u32(), Int(count) <= payload.count else { return nil }
                var headers: [BusRecordHeader] = []
                for _ in 0..<count {
                    guard let nameLength = reader.u32(), let name = reader.bytes(Int(nameLength)),
                          let name = String(validating: name, as: UTF8.self), let tag = reader.byte() else { return nil }
                    switch tag {
                    case 0: headers.append(BusRecordHeader(name: name, value: nil))
                    case 1:
                        guard let length = reader.u32(), let value = reader.bytes(Int(length)) else { return nil }
                        headers.append(BusRecordHeader(name: name, value: Array(value)))
                    default: return nil
                    }
                }
                source?.headers = headers
            }
            guard let rowCount = reader.u32(), Int(rowCount) <= payload.count else { return nil }
            var rows: [Row] = []
            for _ in 0..<rowCount {
                guard let layout = reader.u32(), let timestamp = reader.u64(), let length = reader.u32(),
                      let line = reader.bytes(Int(length)) else { return nil }
                rows.append(Row(layout: layout, timestamp: Int64(bitPattern: timestamp), line: line))
            }
            guard reader.atEnd else { return nil }
            return .record(Record(partition: Int32(bitPattern: partition), offset: Int64(bitPattern: offset),
                                  kafkaTimestamp: Int64(bitPattern: kafkaTimestamp), owner: owner, rows: rows, source: source))
        case 4:
            guard let count = reader.u32(), Int(count) <= payload.count else { return nil }
            var offsets: [Int32: Int64] = [:]
            for _ in 0..<count {
                guard let partition = reader.u32(), let offset = reader.u64() else { return nil }
                offsets[Int32(bitPattern: partition)] = Int64(bitPattern: offset)
            }
            return reader.atEnd ? .offsets(offsets) : nil
        case 5:
            guard let partition = reader.u32(), let next = reader.u64(), reader.atEnd else { return nil }
            return .rewind(partition: Int32(bitPattern: partition), next: Int64(bitPattern: next))
        default: return nil
        }
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: Int
        var atEnd: Bool { index == bytes.endIndex }
        mutating func byte() -> UInt8? {
            guard index < bytes.endIndex else { return nil }
            defer { index += 1 }
            return bytes[index]
        }
        mutating func u32() -> UInt32? {
            guard index + 4 <= bytes.endIndex else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 { value = value << 8 | UInt32(bytes[index + offset]) }
            index += 4
            return value
        }
        mutating func u64() -> UInt64? {
            guard let high = u32(), let low = u32() else { return nil }
            return UInt64(high) << 32 | UInt64(low)
        }
        mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
            guard count >= 0, index + count <= bytes.endIndex else { return nil }
            defer { index += count }
            return bytes[index..<index + count]
        }
    }

    private static func put(_ value: UInt32, _ output: inout [UInt8]) {
        output.append(UInt8(value >> 24)); output.append(UInt8(value >> 16 & 0xff))
        output.append(UInt8(value >> 8 & 0xff)); output.append(UInt8(value & 0xff))
    }

    private static func put(_ value: UInt64, _ output: inout [UInt8]) {
        put(UInt32(value >> 32), &output)
        put(UInt32(value & 0xffff_ffff), &output)
    }

    private static func write(_ value: UInt32, at index: Int, _ output: inout [UInt8]) {
        output[index] = UInt8(value >> 24); output[index + 1] = UInt8(value >> 16 & 0xff)
        output[index + 2] = UInt8(value >> 8 & 0xff); output[index + 3] = UInt8(value & 0xff)
    }

    private static func read32(_ bytes: [UInt8], _ index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }
}
