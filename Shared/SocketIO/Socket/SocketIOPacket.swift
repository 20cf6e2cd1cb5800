/// One Socket.IO packet, decoded (binary attachments already put back in place of their
/// placeholders).
///
/// For ``SocketIOPacketType/event`` and ``SocketIOPacketType/ack`` the ``data`` is an array;
/// the encoder switches to the binary types by itself when the data contains
/// ``JSONValue/binary(_:)`` values.
public struct SocketIOPacket: Sendable, Equatable {
    /// The packet type.
    public var type: SocketIOPacketType
    /// The namespace, `/` for the main namespace.
    public var namespace: String
    /// The acknowledgement id, if the sender wants (or this is) an acknowledgement.
    public var id: Int?
    /// The payload, if any.
    public var data: JSONValue?

    /// Creates a packet; the namespace defaults to the main one.
    public init(type: SocketIOPacketType, namespace: String = "/", id: Int? = nil, data: JSONValue? = nil) {
        self.type = type
        self.namespace = namespace
        self.id = id
        self.data = data
    }
}

extension SocketIOPacket {
    /// For an event packet, the event name and its arguments.
    public var eventNameAndArguments: (name: String, arguments: [JSONValue])? {
        guard type == .event || type == .binaryEvent, case .array(let elements) = data,
            let first = elements.first
        else { return nil }
        switch first {
        case .string(let name): return (name, Array(elements.dropFirst()))
        case .int(let number): return (String(number), Array(elements.dropFirst()))
        case .double(let number): return (number.description, Array(elements.dropFirst()))
        default: return nil
        }
    }
}
