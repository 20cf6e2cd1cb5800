import NIOCore

/// The payload of one Engine.IO "message" packet (packet type 4).
public enum EngineMessage: Sendable, Equatable {
    case text(String)
    case binary(ByteBuffer)
}
