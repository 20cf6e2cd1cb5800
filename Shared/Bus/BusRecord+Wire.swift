extension BusRecord {
    /// The protocol version written into every header.
    public static let protocolVersion: UInt8 = 1
    /// Size of the header frame: version u8, epoch u64, sequence u64, partition i32, offset i64,
    /// timestamp i64, all big-endian.
    public static let headerSize = 37

    /// Writes the 37-byte header into `buffer` (which must hold at least ``headerSize`` bytes).
    @inlinable
    public func writeHeader(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.headerSize, "header buffer too small")
        buffer.storeBytes(of: Self.protocolVersion, toByteOffset: 0, as: UInt8.self)
        buffer.storeBytes(of: epoch.bigEndian, toByteOffset: 1, as: UInt64.self)
        buffer.storeBytes(of: sequence.bigEndian, toByteOffset: 9, as: UInt64.self)
        buffer.storeBytes(of: partition.bigEndian, toByteOffset: 17, as: Int32.self)
        buffer.storeBytes(of: offset.bigEndian, toByteOffset: 21, as: Int64.self)
        buffer.storeBytes(of: timestamp.bigEndian, toByteOffset: 29, as: Int64.self)
    }

    /// The header frame as an array.
    public var headerFrame: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.headerSize) { buffer, count in
            writeHeader(into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.headerSize
        }
    }

    /// The live (PUB) message: `[topic, header, key, value]`; a null key/value is an empty frame.
    public var liveFrames: [[UInt8]] {
        [Array(topic.utf8), headerFrame, key ?? [], value ?? []]
    }

    /// Decodes a live message `[topic, header, key, value]`, validating frame count, header
    /// length, version and the topic's UTF-8.
    public init(liveFrames frames: [[UInt8]]) throws(BusProtocolError) {
        guard frames.count == 4 else {
            throw .wrongFrameCount(kind: "live record", expected: 4, actual: frames.count)
        }
        try self.init(topic: frames[0], header: frames[1], key: frames[2], value: frames[3])
    }

    /// Decodes a record from its four frames (used for live messages and RECORD replies).
    public init(topic topicFrame: [UInt8], header: [UInt8], key: [UInt8], value: [UInt8]) throws(BusProtocolError) {
        guard header.count == Self.headerSize else { throw .invalidHeaderLength(header.count) }
        guard header[0] == Self.protocolVersion else { throw .unsupportedVersion(header[0]) }
        guard let topic = String(validating: topicFrame, as: UTF8.self) else { throw .invalidTopic }
        self = header.withUnsafeBytes { raw in
            BusRecord(
                topic: topic,
                partition: Int32(bigEndian: raw.loadUnaligned(fromByteOffset: 17, as: Int32.self)),
                offset: Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 21, as: Int64.self)),
                timestamp: Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 29, as: Int64.self)),
                key: key.isEmpty ? nil : key,
                value: value.isEmpty ? nil : value,
                sequence: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt64.self)),
                epoch: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 1, as: UInt64.self)))
        }
    }
}
