/// Engine.IO protocol revision a client speaks (`EIO=3` or `EIO=4` in the handshake query).
public enum EngineProtocolVersion: Int, Sendable, Hashable {
    case v3 = 3
    case v4 = 4
}
