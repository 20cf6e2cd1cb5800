/// The type of a Socket.IO packet (the first character of its encoding).
public enum SocketIOPacketType: UInt8, Sendable, Hashable {
    /// Namespace connection request (client) or acceptance (server).
    case connect = 0
    /// Namespace disconnection.
    case disconnect = 1
    /// An event with JSON arguments.
    case event = 2
    /// An acknowledgement with JSON arguments.
    case ack = 3
    /// Connection refused (protocol v5: `CONNECT_ERROR`; protocol v4: `ERROR`).
    case connectError = 4
    /// An event whose arguments contain binary attachments.
    case binaryEvent = 5
    /// An acknowledgement whose arguments contain binary attachments.
    case binaryAck = 6
}
