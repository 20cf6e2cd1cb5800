import NIOCore

/// Decodes the Engine.IO messages of one connection into Socket.IO packets.
///
/// A binary packet arrives as a text message announcing `n` attachments followed by `n` binary
/// messages; the decoder holds the packet until all have arrived and then puts each attachment
/// in place of its `{"_placeholder":true,"num":i}` object. Anything that does not follow the
/// protocol throws ``SocketIOProtocolError``; the connection should then be closed.
public struct SocketIOPacketDecoder: Sendable {
    /// Limits that keep a client from making the server buffer without bound.
    public struct Limits: Sendable {
        /// The most attachments one packet may announce.
        public var maximumAttachments: Int
        /// The most bytes all attachments of one packet may hold together.
        public var maximumAttachmentBytes: Int
        /// The deepest JSON nesting accepted.
        public var maximumDepth: Int

        /// Creates limits; the defaults suit event traffic with small binary payloads.
        public init(maximumAttachments: Int = 10, maximumAttachmentBytes: Int = 1 << 20, maximumDepth: Int = 32) {
            self.maximumAttachments = maximumAttachments
            self.maximumAttachmentBytes = maximumAttachmentBytes
            self.maximumDepth = maximumDepth
        }
    }

    /// The client's protocol revision.
    public let version: SocketIOProtocolVersion
    /// The limits in force.
    public let limits: Limits

    private var pending: SocketIOPacket?
    private var pendingAttachmentCount = 0
    private var attachments: [ByteBuffer] = []
    private var attachmentBytes = 0

    /// Creates a decoder for one connection of protocol revision `version`.
    public init(version: SocketIOProtocolVersion, limits: Limits = Limits()) {
        self.version = version
        self.limits = limits
    }

    /// Whether the decoder waits for binary attachments.
    public var isAwaitingAttachments: Bool { pending != nil }

    /// Feeds one Engine.IO message; returns a packet once one is complete.
    public mutating func decode(_ message: EngineMessage) throws(SocketIOProtocolError) -> SocketIOPacket? {
        switch message {
        case .text(let text):
            guard pending == nil else {
                throw SocketIOProtocolError("text message while waiting for binary attachments")
            }
            let (packet, attachmentCount) = try Self.decodeText(text, version: version, limits: limits)
            if attachmentCount == 0 {
                return packet
            }
            pending = packet
            pendingAttachmentCount = attachmentCount
            attachments.reserveCapacity(attachmentCount)
            return nil
        case .binary(let buffer):
            guard let packet = pending else {
                throw SocketIOProtocolError("binary message without a binary packet announcing it")
            }
            attachmentBytes += buffer.readableBytes
            guard attachmentBytes <= limits.maximumAttachmentBytes else {
                throw SocketIOProtocolError("attachments larger than \(limits.maximumAttachmentBytes) bytes")
            }
            attachments.append(buffer)
            guard attachments.count == pendingAttachmentCount else { return nil }
            var complete = packet
            if let data = complete.data {
                complete.data = try Self.reconstruct(data, attachments: attachments)
            }
            pending = nil
            pendingAttachmentCount = 0
            attachments = []
            attachmentBytes = 0
            return complete
        }
    }

    /// Puts attachments in place of their placeholders.
    static func reconstruct(_ value: JSONValue, attachments: [ByteBuffer]) throws(SocketIOProtocolError) -> JSONValue {
        switch value {
        case .array(let elements):
            var result: [JSONValue] = []
            result.reserveCapacity(elements.count)
            for element in elements { result.append(try reconstruct(element, attachments: attachments)) }
            return .array(result)
        case .object(let members):
            if value["_placeholder"] == .bool(true) {
                guard let num = value["num"]?.intValue, num >= 0, num < attachments.count else {
                    throw SocketIOProtocolError("illegal attachment placeholder")
                }
                return .binary(attachments[Int(num)])
            }
            var result: [(key: String, value: JSONValue)] = []
            result.reserveCapacity(members.count)
            for member in members {
                result.append((member.key, try reconstruct(member.value, attachments: attachments)))
            }
            return .object(result)
        default:
            return value
        }
    }

    /// Decodes the text part of a packet; returns it with the number of attachments announced.
    static func decodeText(
        _ text: String, version: SocketIOProtocolVersion, limits: Limits
    ) throws(SocketIOProtocolError) -> (SocketIOPacket, Int) {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(SocketIOProtocolError) -> (SocketIOPacket, Int) in
                try decodeText(bytes, version: version, limits: limits)
            }
        }
        return try result.get()
    }

    static func decodeText(
        _ bytes: UnsafeBufferPointer<UInt8>, version: SocketIOProtocolVersion, limits: Limits
    ) throws(SocketIOProtocolError) -> (SocketIOPacket, Int) {
        guard let first = bytes.first else { throw SocketIOProtocolError("empty packet") }
        guard first >= UInt8(ascii: "0"), let type = SocketIOPacketType(rawValue: first &- UInt8(ascii: "0")) else {
            throw SocketIOProtocolError("unknown packet type")
        }
        var i = 1
        var attachmentCount = 0
        if type == .binaryEvent || type == .binaryAck {
            let start = i
            while i < bytes.count, isDigit(bytes[i]) {
                guard i - start < 6 else { throw SocketIOProtocolError("illegal attachment count") }
                attachmentCount = attachmentCount * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                i += 1
            }
            guard i > start, i < bytes.count, bytes[i] == UInt8(ascii: "-") else {
                throw SocketIOProtocolError("illegal attachment count")
            }
            i += 1
            guard attachmentCount <= limits.maximumAttachments else {
                throw SocketIOProtocolError("more than \(limits.maximumAttachments) attachments")
            }
        }
        var namespace = "/"
        if i < bytes.count, bytes[i] == UInt8(ascii: "/") {
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: ",") { i += 1 }
            guard let name = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self) else {
                throw SocketIOProtocolError("namespace is not UTF-8")
            }
            namespace = name
            if i < bytes.count { i += 1 }  // the comma
        }
        var id: Int?
        if i < bytes.count, isDigit(bytes[i]) {
            var value = 0
            let start = i
            while i < bytes.count, isDigit(bytes[i]) {
                guard i - start < 15 else { throw SocketIOProtocolError("acknowledgement id too large") }
                value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                i += 1
            }
            id = value
        }
        var data: JSONValue?
        if i < bytes.count {
            do {
                data = try JSONParser(maximumDepth: limits.maximumDepth).parse(UnsafeBufferPointer(rebasing: bytes[i...]))
            } catch {
                throw SocketIOProtocolError("invalid payload: \(error)")
            }
        }
        try validate(type: type, id: id, data: data, version: version)
        return (SocketIOPacket(type: type, namespace: namespace, id: id, data: data), attachmentCount)
    }

    static let reservedEvents: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    static func validate(
        type: SocketIOPacketType, id: Int?, data: JSONValue?, version: SocketIOProtocolVersion
    ) throws(SocketIOProtocolError) {
        switch type {
        case .connect:
            switch data {
            case nil, .object?: return
            default: throw SocketIOProtocolError("CONNECT payload must be an object")
            }
        case .disconnect:
            guard data == nil else { throw SocketIOProtocolError("DISCONNECT carries no payload") }
        case .connectError:
            switch data {
            case .string?, .object?: return
            case nil where version == .v4: return
            default: throw SocketIOProtocolError("CONNECT_ERROR payload must be a string or an object")
            }
        case .event, .binaryEvent:
            guard case .array(let elements)? = data, let first = elements.first else {
                throw SocketIOProtocolError("EVENT payload must be a non-empty array")
            }
            switch first {
            case .string(let name):
                guard !reservedEvents.contains(name) else {
                    throw SocketIOProtocolError("reserved event name \(name)")
                }
            case .int, .double: return
            default: throw SocketIOProtocolError("event name must be a string")
            }
        case .ack, .binaryAck:
            guard case .array? = data else { throw SocketIOProtocolError("ACK payload must be an array") }
            guard id != nil else { throw SocketIOProtocolError("ACK without an id") }
        }
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
