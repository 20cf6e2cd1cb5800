extension BusRecord {
    /// Most headers one headers frame can carry (its count is a uint16).
    public static let maximumHeaderCount = Int(UInt16.max)
    /// Longest header name a headers frame can carry, in bytes (its length is a uint16).
    public static let maximumHeaderNameBytes = Int(UInt16.max)

    /// The fifth frame of a version 2 record: count uint16, then per header name length uint16,
    /// name (UTF-8), value length int32 (-1 for a null value), value; big-endian, in order.
    ///
    /// The publisher keeps what it sends within ``maximumHeaderCount`` and
    /// ``maximumHeaderNameBytes`` (ingestd bounds headers far below that when it reads them).
    public var headersFrame: [UInt8] {
        precondition(headers.count <= Self.maximumHeaderCount, "more than \(Self.maximumHeaderCount) headers")
        var frame: [UInt8] = []
        frame.reserveCapacity(2 + headers.reduce(0) { $0 + $1.frameByteCount })
        frame.appendBigEndian(UInt16(headers.count))
        for header in headers {
            let name = header.name.utf8
            precondition(name.count <= Self.maximumHeaderNameBytes, "header name longer than \(Self.maximumHeaderNameBytes) bytes")
            frame.appendBigEndian(UInt16(name.count))
            frame.append(contentsOf: name)
            if let value = header.value {
                frame.appendBigEndian(UInt32(value.count))
                frame.append(contentsOf: value)
            } else {
                frame.appendBigEndian(Int32(-1))
            }
        }
        return frame
    }

    /// Decodes a headers frame: at least one header, names valid UTF-8, nothing left over.
    static func decodeHeaders(_ frame: [UInt8]) throws(BusProtocolError) -> [BusRecordHeader] {
        var reader = BusFrameReader(frame, overrun: .invalidHeaders("ends inside a header"))
        let count = Int(try reader.integer() as UInt16)
        guard count > 0 else { throw .invalidHeaders("a version 2 record has at least one header") }
        var headers: [BusRecordHeader] = []
        headers.reserveCapacity(min(count, frame.count / 6))
        for _ in 0..<count {
            let nameLength = Int(try reader.integer() as UInt16)
            guard let name = String(validating: try reader.bytes(nameLength), as: UTF8.self) else {
                throw .invalidHeaders("a header name is not UTF-8")
            }
            let valueLength: Int32 = try reader.integer()
            guard valueLength >= -1 else { throw .invalidHeaders("value length \(valueLength)") }
            let value = valueLength == -1 ? nil : Array(try reader.bytes(Int(valueLength)))
            headers.append(BusRecordHeader(name: name, value: value))
        }
        guard reader.remaining == 0 else { throw .invalidHeaders("\(reader.remaining) bytes after the last header") }
        return headers
    }

    /// The value of the last header named `name` (Swift string equality): nil when there is
    /// none, `.some(nil)` when its value is null. Kafka clients' "last header" reading.
    public func lastHeader(named name: String) -> [UInt8]?? {
        guard let header = headers.last(where: { $0.name == name }) else { return nil }
        return .some(header.value)
    }
}
