extension BusRecord {
    /// The version byte of a record without headers: four frames, exactly as in protocol version 1.
    public static let protocolVersion: UInt8 = 1
    /// The version byte of a record with Kafka headers: five frames, the fifth ``headersFrame``.
    public static let protocolVersionWithHeaders: UInt8 = 2
    /// Size of the header frame: version u8, epoch u64, sequence u64, partition i32, offset i64,
    /// timestamp i64, all big-endian.
    public static let headerSize = 37

    /// Writes the 37-byte header into `buffer` (which must hold at least ``headerSize`` bytes).
    @inlinable
    public func writeHeader(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.headerSize, "header buffer too small")
        buffer.storeBytes(of: headers.isEmpty ? Self.protocolVersion : Self.protocolVersionWithHeaders,
                          toByteOffset: 0, as: UInt8.self)
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

    /// The live (PUB) message: `[topic, header, key, value]`, and `headers` as a fifth frame when
    /// the record has any; a null key/value is an empty frame.
    public var liveFrames: [[UInt8]] {
        var frames = [Array(topic.utf8), headerFrame, key ?? [], value ?? []]
        if !headers.isEmpty { frames.append(headersFrame) }
        return frames
    }

    /// Decodes a live message `[topic, header, key, value]` (version 1) or `[topic, header, key,
    /// value, headers]` (version 2), validating frame count, header length, version, the topic's
    /// UTF-8 and the headers frame.
    public init(liveFrames frames: [[UInt8]]) throws(BusProtocolError) {
        guard frames.count == 4 || frames.count == 5 else {
            throw .wrongFrameCount(kind: "live record", expected: 4, actual: frames.count)
        }
        try self.init(topic: frames[0], header: frames[1], key: frames[2], value: frames[3],
                      headers: frames.count == 5 ? frames[4] : nil)
    }

    /// Decodes a record from its four frames, or five with a headers frame (used for live
    /// messages and RECORD replies). The version byte says which: 1 without `headers`, 2 with.
    public init(topic topicFrame: [UInt8], header: [UInt8], key: [UInt8], value: [UInt8],
                headers headersFrame: [UInt8]? = nil) throws(BusProtocolError) {
        guard header.count == Self.headerSize else { throw .invalidHeaderLength(header.count) }
        let version = header[0]
        guard version == Self.protocolVersion || version == Self.protocolVersionWithHeaders else {
            throw .unsupportedVersion(version)
        }
        guard (version == Self.protocolVersionWithHeaders) == (headersFrame != nil) else {
            throw .wrongFrameCount(kind: "version \(version) record", expected: version == Self.protocolVersion ? 4 : 5,
                                   actual: headersFrame == nil ? 4 : 5)
        }
        guard let topic = String(validating: topicFrame, as: UTF8.self) else { throw .invalidTopic }
        let headers = try headersFrame.map { frame throws(BusProtocolError) in try Self.decodeHeaders(frame) } ?? []
        self = header.withUnsafeBytes { raw in
            BusRecord(
                topic: topic,
                partition: Int32(bigEndian: raw.loadUnaligned(fromByteOffset: 17, as: Int32.self)),
                offset: Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 21, as: Int64.self)),
                timestamp: Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 29, as: Int64.self)),
                key: key.isEmpty ? nil : key,
                value: value.isEmpty ? nil : value,
                sequence: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt64.self)),
                epoch: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 1, as: UInt64.self)),
                headers: headers)
        }
    }
}
