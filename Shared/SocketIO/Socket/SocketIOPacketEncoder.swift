import JSON
import NIOCore

/// Encodes Socket.IO packets into Engine.IO messages: one text message, followed by one binary
/// message per attachment for binary packets.
///
/// Protocols v4 and v5 share this encoding; what differs between them (the `CONNECT` reply and
/// the error payload) is decided by the server when it builds the packet.
public enum SocketIOPacketEncoder {
    /// Encodes `packet`. An `.event`/`.ack` whose data holds binary values is sent as
    /// `.binaryEvent`/`.binaryAck` with its attachments.
    public static func encode(_ packet: SocketIOPacket) -> [EngineMessage] {
        var text: [UInt8] = []
        var attachments: [ByteBuffer] = []
        encode(packet, into: &text, attachments: &attachments)
        var messages: [EngineMessage] = []
        messages.reserveCapacity(1 + attachments.count)
        messages.append(.text(String(decoding: text, as: UTF8.self)))
        for attachment in attachments { messages.append(.binary(attachment)) }
        return messages
    }

    /// Appends the text encoding of `packet` to `output` and its attachments to `attachments`.
    public static func encode(_ packet: SocketIOPacket, into output: inout [UInt8], attachments: inout [ByteBuffer]) {
        let hasBinary = packet.data?.containsBinary ?? false
        var type = packet.type
        if hasBinary {
            if type == .event { type = .binaryEvent }
            if type == .ack { type = .binaryAck }
        }
        var payload: [UInt8] = []
        let firstAttachment = attachments.count
        if let data = packet.data {
            if hasBinary {
                data.serialize(into: &payload, attachments: &attachments)
            }
        }
        output.reserveCapacity(output.count + 16 + packet.namespace.utf8.count + payload.count)
        output.append(UInt8(ascii: "0") + type.rawValue)
        if type == .binaryEvent || type == .binaryAck {
            JSONText.appendInteger(Int64(attachments.count - firstAttachment), to: &output)
            output.append(UInt8(ascii: "-"))
        }
        if packet.namespace != "/" {
            output.append(contentsOf: packet.namespace.utf8)
            output.append(UInt8(ascii: ","))
        }
        if let id = packet.id {
            JSONText.appendInteger(Int64(id), to: &output)
        }
        if let data = packet.data {
            if hasBinary {
                output.append(contentsOf: payload)
            } else {
                data.serialize(into: &output, attachments: &attachments)
            }
        }
    }

    /// Encodes an event (`["name", args...]`) without building the payload array first.
    public static func encodeEvent(
        namespace: String, name: String, arguments: [JSONValue], id: Int? = nil
    ) -> [EngineMessage] {
        if arguments.contains(where: { $0.containsBinary }) {
            return encode(SocketIOPacket(type: .event, namespace: namespace, id: id,
                                         data: .array([.string(name)] + arguments)))
        }
        var output: [UInt8] = []
        var capacity = 32 + namespace.utf8.count + name.utf8.count
        for argument in arguments {
            switch argument {
            case .raw(let bytes): capacity += bytes.count + 1
            case .string(let string): capacity += string.utf8.count + 3
            default: capacity += 24
            }
        }
        output.reserveCapacity(capacity)
        output.append(UInt8(ascii: "2"))
        if namespace != "/" {
            output.append(contentsOf: namespace.utf8)
            output.append(UInt8(ascii: ","))
        }
        if let id { JSONText.appendInteger(Int64(id), to: &output) }
        output.append(UInt8(ascii: "["))
        JSONText.appendString(name, to: &output)
        var attachments: [ByteBuffer] = []
        for argument in arguments {
            output.append(UInt8(ascii: ","))
            argument.serialize(into: &output, attachments: &attachments)
        }
        output.append(UInt8(ascii: "]"))
        return [.text(String(decoding: output, as: UTF8.self))]
    }
}
