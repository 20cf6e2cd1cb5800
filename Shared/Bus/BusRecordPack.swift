/// Several records of one topic in one live message (bus protocol version 3): three frames,
/// `[topic, pack header, records]`, instead of four or five frames per record.
///
/// A publisher sends packs only when asked to (ingestd's `BUS_PACK_RECORDS` above 1), since
/// subscribers older than version 3 drop them; a pack of one record is never sent (that record
/// goes out as version 1 or 2). Receivers accept both forms at any time. See
/// `docs/bus-protocol.md`, "Packed records".
public enum BusRecordPack {
    /// The version byte that opens a pack header.
    public static let version: UInt8 = 3
    /// Size of the pack header frame: version u8, epoch u64, record count u32, big-endian.
    public static let headerSize = 13
    /// Bytes one record takes in the records frame besides its key, value and headers: sequence
    /// u64, partition i32, offset i64, timestamp i64 and three lengths (key i32, value i32,
    /// headers u32).
    public static let recordOverhead = 40

    /// Whether `frames` claims to be a pack (three frames, the second opening with version 3).
    /// ``records(from:)`` still checks the rest.
    public static func isPack(_ frames: [[UInt8]]) -> Bool {
        frames.count == 3 && frames[1].first == version
    }

    /// Writes the pack header into `buffer` (at least ``headerSize`` bytes).
    public static func writeHeader(epoch: UInt64, count: Int, into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= headerSize && count > 0 && count <= Int(UInt32.max), "invalid pack header")
        buffer.storeBytes(of: version, toByteOffset: 0, as: UInt8.self)
        buffer.storeBytes(of: epoch.bigEndian, toByteOffset: 1, as: UInt64.self)
        buffer.storeBytes(of: UInt32(count).bigEndian, toByteOffset: 9, as: UInt32.self)
    }

    /// The three frames of a pack of `records` (one topic and epoch, at least one record;
    /// ingestd sends two or more), as ``BusPublisher/publish(packed:)`` sends them.
    public static func frames(_ records: some Collection<BusRecord>) -> [[UInt8]] {
        guard let first = records.first else { preconditionFailure("an empty pack") }
        var body: [UInt8] = []
        for record in records { append(record, to: &body) }
        let header = [UInt8](unsafeUninitializedCapacity: headerSize) { buffer, count in
            writeHeader(epoch: first.epoch, count: records.count, into: UnsafeMutableRawBufferPointer(buffer))
            count = headerSize
        }
        return [Array(first.topic.utf8), header, body]
    }

    /// Appends `record` to a records frame: everything but its topic and epoch, which the pack
    /// carries once.
    public static func append(_ record: BusRecord, to frame: inout [UInt8]) {
        let headers = record.headers.isEmpty ? nil : record.headersFrame
        frame.reserveCapacity(frame.count + recordOverhead + (record.key?.count ?? 0)
                              + (record.value?.count ?? 0) + (headers?.count ?? 0))
        frame.appendBigEndian(record.sequence)
        frame.appendBigEndian(record.partition)
        frame.appendBigEndian(record.offset)
        frame.appendBigEndian(record.timestamp)
        appendText(record.key, to: &frame)
        appendText(record.value, to: &frame)
        frame.appendBigEndian(UInt32(headers?.count ?? 0))
        if let headers { frame.append(contentsOf: headers) }
    }

    /// Decodes a pack: its topic (valid UTF-8), a ``headerSize``-byte header of version 3 with at
    /// least one record, then exactly that many records, each with a non-empty key and value
    /// unless null and a well-formed headers section, and nothing after the last.
    public static func records(from frames: [[UInt8]]) throws(BusProtocolError) -> [BusRecord] {
        guard frames.count == 3 else { throw .wrongFrameCount(kind: "record pack", expected: 3, actual: frames.count) }
        let header = frames[1]
        guard header.count == headerSize else { throw .invalidPack("header of \(header.count) bytes, not \(headerSize)") }
        guard header[0] == version else { throw .unsupportedVersion(header[0]) }
        guard let topic = String(validating: frames[0], as: UTF8.self) else { throw .invalidTopic }
        let (epoch, count) = header.withUnsafeBytes { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 1, as: UInt64.self)),
             Int(UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt32.self))))
        }
        let body = frames[2]
        guard count > 0, count <= body.count / recordOverhead else {
            throw .invalidPack("\(count) records cannot fit in \(body.count) bytes")
        }
        var reader = BusFrameReader(body, overrun: .invalidPack("a record ends past the frame"))
        var records: [BusRecord] = []
        records.reserveCapacity(count)
        for _ in 0..<count {
            let sequence: UInt64 = try reader.integer()
            let partition: Int32 = try reader.integer()
            let offset: Int64 = try reader.integer()
            let timestamp: Int64 = try reader.integer()
            let key = try text(&reader, field: "key")
            let value = try text(&reader, field: "value")
            let headersLength = Int(try reader.integer() as UInt32)
            let headers = headersLength == 0 ? [] : try BusRecord.decodeHeaders(Array(try reader.bytes(headersLength)))
            records.append(BusRecord(topic: topic, partition: partition, offset: offset, timestamp: timestamp,
                                     key: key, value: value, sequence: sequence, epoch: epoch, headers: headers))
        }
        guard reader.remaining == 0 else { throw .invalidPack("\(reader.remaining) bytes after the last record") }
        return records
    }

    private static func appendText(_ text: [UInt8]?, to frame: inout [UInt8]) {
        guard let text else {
            frame.appendBigEndian(Int32(-1))
            return
        }
        precondition(!text.isEmpty && text.count <= Int(Int32.max), "key or value of \(text.count) bytes")
        frame.appendBigEndian(Int32(text.count))
        frame.append(contentsOf: text)
    }

    /// A key or value: length -1 for null, else that many bytes (never none: JSON text is never
    /// empty).
    private static func text(_ reader: inout BusFrameReader, field: String) throws(BusProtocolError) -> [UInt8]? {
        let length: Int32 = try reader.integer()
        if length == -1 { return nil }
        guard length > 0 else { throw .invalidPack("\(field) length \(length)") }
        return Array(try reader.bytes(Int(length)))
    }
}
