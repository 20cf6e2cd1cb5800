import NIOCore

/// Encoding and decoding of HTTP long-polling payloads (several packets in one HTTP body).
///
/// - v4: packets separated by `\x1e`, binary as `b<base64>`.
/// - v3 text: `<length>:<packet>` with the length counted in UTF-16 code units, binary as
///   `b4<base64>`.
/// - v3 binary (XHR2): per packet a marker byte (0 string, 1 binary), the length as decimal
///   digit bytes, `0xFF`, then the packet bytes (UTF-8 text, or the type byte 4 and the data).
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
            let hasBinary = packets.contains { if case .message(.binary) = $0 { return true } else { return false } }
            if supportsBinary && hasBinary {
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
