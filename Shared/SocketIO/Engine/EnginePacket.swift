import JSON
import NIOCore

/// One Engine.IO packet (types 0 to 6 of the protocol).
enum EnginePacket: Sendable, Equatable {
    /// `0`: handshake, with its JSON payload.
    case open(String)
    /// `1`: the transport can be closed.
    case close
    /// `2`: heartbeat or upgrade probe, with optional data (`probe`).
    case ping(String?)
    /// `3`: heartbeat answer, with optional data.
    case pong(String?)
    /// `4`: a message.
    case message(EngineMessage)
    /// `5`: completes a transport upgrade.
    case upgrade
    /// `6`: does nothing; ends a pending poll during an upgrade.
    case noop

    /// Why a packet or payload could not be decoded.
    struct DecodingError: Error, Equatable, CustomStringConvertible {
        let description: String
    }

    /// The packet type digit.
    var typeCharacter: UInt8 {
        switch self {
        case .open: return UInt8(ascii: "0")
        case .close: return UInt8(ascii: "1")
        case .ping: return UInt8(ascii: "2")
        case .pong: return UInt8(ascii: "3")
        case .message: return UInt8(ascii: "4")
        case .upgrade: return UInt8(ascii: "5")
        case .noop: return UInt8(ascii: "6")
        }
    }

    /// Payload bytes this packet adds to an outbound queue (for queue accounting).
    var approximateSize: Int {
        switch self {
        case .open(let json): return json.utf8.count + 1
        case .ping(let data), .pong(let data): return (data?.utf8.count ?? 0) + 1
        case .message(.text(let text)): return text.utf8.count + 1
        case .message(.binary(let data)): return data.readableBytes + 1
        case .close, .upgrade, .noop: return 1
        }
    }

    /// Decodes a text-encoded packet (a WebSocket text frame or one packet of a polling payload).
    ///
    /// Binary messages in text form are `b<base64>` (v4) or `b4<base64>` (v3).
    static func decode<Bytes: Collection>(text bytes: Bytes, version: EngineProtocolVersion) throws -> EnginePacket
    where Bytes.Element == UInt8 {
        guard let first = bytes.first else { throw DecodingError(description: "empty packet") }
        let rest = bytes.dropFirst()
        if first == UInt8(ascii: "b") {
            var base64 = rest[...]
            if version == .v3 {
                guard base64.first == UInt8(ascii: "4") else {
                    throw DecodingError(description: "binary packet of an unsupported type")
                }
                base64 = base64.dropFirst()
            }
            guard let data = Base64.decode(base64).map({ ByteBuffer(bytes: $0) }) else {
                throw DecodingError(description: "invalid base64 in binary packet")
            }
            return .message(.binary(data))
        }
        func optionalText() -> String? { rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self) }
        switch first {
        case UInt8(ascii: "0"): return .open(String(decoding: rest, as: UTF8.self))
        case UInt8(ascii: "1"): return .close
        case UInt8(ascii: "2"): return .ping(optionalText())
        case UInt8(ascii: "3"): return .pong(optionalText())
        case UInt8(ascii: "4"): return .message(.text(String(decoding: rest, as: UTF8.self)))
        case UInt8(ascii: "5"): return .upgrade
        case UInt8(ascii: "6"): return .noop
        default: throw DecodingError(description: "unknown packet type")
        }
    }

    /// Decodes a WebSocket binary frame: raw data in v4, a type byte then data in v3.
    static func decode(binaryFrame data: ByteBuffer, version: EngineProtocolVersion) throws -> EnginePacket {
        switch version {
        case .v4:
            return .message(.binary(data))
        case .v3:
            var data = data
            guard let type = data.readInteger(as: UInt8.self) else {
                throw DecodingError(description: "empty binary packet")
            }
            guard type == 4 else { throw DecodingError(description: "binary packet of an unsupported type") }
            return .message(.binary(data))
        }
    }

    /// Appends the text encoding used in polling payloads and WebSocket text frames.
    func writeText(version: EngineProtocolVersion, into buffer: inout ByteBuffer) {
        switch self {
        case .message(.binary(let data)):
            buffer.writeInteger(UInt8(ascii: "b"))
            if version == .v3 { buffer.writeInteger(UInt8(ascii: "4")) }
            var encoded: [UInt8] = []
            data.withUnsafeReadableBytes { Base64.encode($0, into: &encoded) }
            buffer.writeBytes(encoded)
        case .open(let text), .message(.text(let text)):
            buffer.writeInteger(typeCharacter)
            buffer.writeString(text)
        case .ping(let data), .pong(let data):
            buffer.writeInteger(typeCharacter)
            if let data { buffer.writeString(data) }
        case .close, .upgrade, .noop:
            buffer.writeInteger(typeCharacter)
        }
    }

    /// The text encoding as a string.
    func text(version: EngineProtocolVersion) -> String {
        var buffer = ByteBuffer()
        writeText(version: version, into: &buffer)
        return String(buffer: buffer)
    }

    /// Appends this packet as one WebSocket frame.
    func writeWebSocketFrame(version: EngineProtocolVersion, into buffer: inout ByteBuffer) {
        switch self {
        case .message(let message):
            WebSocketServerFrame.writeMessage(message, version: version, into: &buffer)
        default:
            var payload = ByteBuffer()
            writeText(version: version, into: &payload)
            WebSocketServerFrame.writeHeader(.text, payloadLength: payload.readableBytes, into: &buffer)
            buffer.writeImmutableBuffer(payload)
        }
    }
}
