import NIOCore

/// Encodes unmasked server-to-client WebSocket frames (RFC 6455 section 5.2) straight into a
/// buffer, so many frames can be coalesced into one write and shared between connections.
enum WebSocketServerFrame {
    /// Frame opcodes the server writes.
    enum Opcode: UInt8 {
        case text = 0x1
        case binary = 0x2
        case close = 0x8
        case ping = 0x9
        case pong = 0xA
    }

    /// The size of the frame header for a payload of `length` bytes.
    @inline(__always)
    static func headerSize(payloadLength length: Int) -> Int {
        length < 126 ? 2 : (length <= 0xFFFF ? 4 : 10)
    }

    /// Writes a final frame header for a payload of `length` bytes.
    @inline(__always)
    static func writeHeader(_ opcode: Opcode, payloadLength length: Int, into buffer: inout ByteBuffer) {
        buffer.writeInteger(0x80 | opcode.rawValue)
        if length < 126 {
            buffer.writeInteger(UInt8(length))
        } else if length <= 0xFFFF {
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        } else {
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
    }

    /// Writes a text frame holding an Engine.IO packet: the packet type digit, then `text`.
    static func writeTextPacket(type: UInt8, text: String, into buffer: inout ByteBuffer) {
        let length = 1 + text.utf8.count
        buffer.reserveCapacity(minimumWritableBytes: headerSize(payloadLength: length) + length)
        writeHeader(.text, payloadLength: length, into: &buffer)
        buffer.writeInteger(type)
        buffer.writeString(text)
    }

    /// Writes a binary frame; `prefix` is the Engine.IO v3 packet type byte (`0x04`), or nil for v4.
    static func writeBinary(_ data: ByteBuffer, prefix: UInt8?, into buffer: inout ByteBuffer) {
        let length = data.readableBytes + (prefix == nil ? 0 : 1)
        buffer.reserveCapacity(minimumWritableBytes: headerSize(payloadLength: length) + length)
        writeHeader(.binary, payloadLength: length, into: &buffer)
        if let prefix { buffer.writeInteger(prefix) }
        buffer.writeImmutableBuffer(data)
    }

    /// Writes one Engine.IO message packet as a frame for the given protocol revision.
    static func writeMessage(_ message: EngineMessage, version: EngineProtocolVersion, into buffer: inout ByteBuffer) {
        switch message {
        case .text(let text):
            writeTextPacket(type: UInt8(ascii: "4"), text: text, into: &buffer)
        case .binary(let data):
            writeBinary(data, prefix: version == .v3 ? 0x04 : nil, into: &buffer)
        }
    }

    /// Writes a close frame with a status code.
    static func writeClose(code: UInt16, into buffer: inout ByteBuffer) {
        writeHeader(.close, payloadLength: 2, into: &buffer)
        buffer.writeInteger(code)
    }

    /// Writes a control frame (pong) echoing `payload`.
    static func writeControl(_ opcode: Opcode, payload: ByteBuffer, into buffer: inout ByteBuffer) {
        writeHeader(opcode, payloadLength: payload.readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(payload)
    }
}
