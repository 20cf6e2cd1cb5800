import NIOCore

/// Encoding and decoding of HTTP long-polling payloads (several packets in one HTTP body).
///
/// - v4: packets separated by `\x1e`, binary as `b<base64>`.
/// - v3 text (clients that ask for `b64=1`, and JSONP): `<length>:<packet>` with the length
///   counted in UTF-16 code units (JS `String.length`, as engine.io-parser 2.x), binary as
///   `b4<base64>`.
/// - v3 binary (every other v3 polling client): per packet a marker byte (0 string, 1 binary),
///   the length as decimal digit bytes, `0xFF`, then the packet bytes (UTF-8 text, its length
///   in bytes, or the type byte 4 and the data). As python-engineio 3.x and engine.io-parser's
///   `encodePayloadAsBinary`, this is used for text-only payloads too: socket.io-client 1.x
///   reads such responses as an `ArrayBuffer` and decodes text byte by byte, so only byte
///   lengths and an explicit UTF-8 decode keep non-ASCII text intact.
enum EnginePollingPayload {
    /// The content type of a text payload.
    static let textContentType = "text/plain; charset=UTF-8"
    /// The content type of a binary payload.
    static let binaryContentType = "application/octet-stream"

    /// Encodes packets as one response body; returns the body and its content type.
    static func encode(_ packets: [EnginePacket], version: EngineProtocolVersion, supportsBinary: Bool)
        -> (body: ByteBuffer, contentType: String)
    {
        var body = ByteBuffer()
        switch version {
        case .v4:
            for (index, packet) in packets.enumerated() {
                if index > 0 { body.writeInteger(UInt8(0x1E)) }
                packet.writeText(version: .v4, into: &body)
            }
            return (body, textContentType)
        case .v3:
            if supportsBinary {
                for packet in packets { writeBinaryFramed(packet, into: &body) }
                return (body, binaryContentType)
            }
            for packet in packets {
                let text = packet.text(version: .v3)
                body.writeString(String(text.utf16.count))
                body.writeInteger(UInt8(ascii: ":"))
                body.writeString(text)
            }
            return (body, textContentType)
        }
    }

    /// How many of `packets`, from the first, fit in one response body of at most `limit` bytes
    /// (counted before JSONP wrapping) and `maxPackets` packets. At least one when there are
    /// any: a packet larger than the limit still goes out, alone.
    static func countFitting(
        _ packets: [EnginePacket], version: EngineProtocolVersion, supportsBinary: Bool, limit: Int,
        maxPackets: Int = .max
    ) -> Int {
        var total = 0
        for (index, packet) in packets.enumerated() {
            if index > 0 && index >= maxPackets { return index }
            var size = encodedSize(packet, version: version, supportsBinary: supportsBinary)
            if version == .v4 && index > 0 { size += 1 }  // the record separator
            if index > 0 && total + size > limit { return index }
            total += size
        }
        return packets.count
    }

    /// The bytes one packet takes in a payload encoded as `encode` does.
    static func encodedSize(_ packet: EnginePacket, version: EngineProtocolVersion, supportsBinary: Bool) -> Int {
        func digits(_ value: Int) -> Int { String(value).utf8.count }
        let bytes: Int
        let utf16: Int
        switch packet {
        case .message(.binary(let data)):
            if version == .v3 && supportsBinary {
                let length = data.readableBytes + 1
                return 1 + digits(length) + 1 + length
            }
            bytes = (version == .v3 ? 2 : 1) + (data.readableBytes + 2) / 3 * 4
            utf16 = bytes
        case .message(.text(let text)):
            bytes = 1 + text.utf8.count
            utf16 = 1 + text.utf16.count
        default:
            let text = packet.text(version: version)
            bytes = text.utf8.count
            utf16 = text.utf16.count
        }
        switch version {
        case .v4: return bytes
        case .v3: return supportsBinary ? 1 + digits(bytes) + 1 + bytes : digits(utf16) + 1 + bytes
        }
    }

    private static func writeBinaryFramed(_ packet: EnginePacket, into body: inout ByteBuffer) {
        func writeLength(_ length: Int) {
            for digit in String(length).utf8 { body.writeInteger(digit - UInt8(ascii: "0")) }
            body.writeInteger(UInt8(0xFF))
        }
        if case .message(.binary(let data)) = packet {
            body.writeInteger(UInt8(1))
            writeLength(data.readableBytes + 1)
            body.writeInteger(UInt8(4))
            body.writeImmutableBuffer(data)
        } else {
            var text = ByteBuffer()
            packet.writeText(version: .v3, into: &text)
            body.writeInteger(UInt8(0))
            writeLength(text.readableBytes)
            body.writeImmutableBuffer(text)
        }
    }

    /// Decodes a request body into packets.
    static func decode(_ body: ByteBuffer, version: EngineProtocolVersion, isBinary: Bool) throws -> [EnginePacket] {
        guard body.readableBytes > 0 else { throw EnginePacket.DecodingError(description: "empty payload") }
        switch version {
        case .v4:
            return try body.readableBytesView.split(separator: 0x1E, omittingEmptySubsequences: false).map {
                try EnginePacket.decode(text: $0, version: .v4)
            }
        case .v3:
            return isBinary ? try decodeV3Binary(body) : try decodeV3Text(body)
        }
    }

    private static func decodeV3Text(_ body: ByteBuffer) throws -> [EnginePacket] {
        let text = String(buffer: body)
        let units = text.utf16
        var packets: [EnginePacket] = []
        var index = units.startIndex
        while index != units.endIndex {
            var length = 0
            var digits = 0
            while index != units.endIndex, units[index] != UInt16(UInt8(ascii: ":")) {
                let unit = units[index]
                guard unit >= 0x30, unit <= 0x39, digits < 10 else {
                    throw EnginePacket.DecodingError(description: "invalid payload length")
                }
                length = length * 10 + Int(unit - 0x30)
                digits += 1
                index = units.index(after: index)
            }
            guard index != units.endIndex, digits > 0 else {
                throw EnginePacket.DecodingError(description: "invalid payload length")
            }
            index = units.index(after: index)
            guard let end = units.index(index, offsetBy: length, limitedBy: units.endIndex),
                  let packetText = String(units[index..<end]) else {
                throw EnginePacket.DecodingError(description: "payload length exceeds the payload")
            }
            packets.append(try EnginePacket.decode(text: packetText.utf8, version: .v3))
            index = end
        }
        return packets
    }

    private static func decodeV3Binary(_ body: ByteBuffer) throws -> [EnginePacket] {
        var body = body
        var packets: [EnginePacket] = []
        while body.readableBytes > 0 {
            guard let marker = body.readInteger(as: UInt8.self), marker <= 1 else {
                throw EnginePacket.DecodingError(description: "invalid binary payload marker")
            }
            var length = 0
            var digits = 0
            while true {
                guard let digit = body.readInteger(as: UInt8.self) else {
                    throw EnginePacket.DecodingError(description: "truncated binary payload")
                }
                if digit == 0xFF { break }
                guard digit <= 9, digits < 10 else {
                    throw EnginePacket.DecodingError(description: "invalid binary payload length")
                }
                length = length * 10 + Int(digit)
                digits += 1
            }
            guard digits > 0, let packetBytes = body.readSlice(length: length) else {
                throw EnginePacket.DecodingError(description: "truncated binary payload")
            }
            if marker == 0 {
                packets.append(try EnginePacket.decode(text: packetBytes.readableBytesView, version: .v3))
            } else {
                packets.append(try EnginePacket.decode(binaryFrame: packetBytes, version: .v3))
            }
        }
        return packets
    }
}
