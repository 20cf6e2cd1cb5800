/// A message on the bus that does not follow `docs/bus-protocol.md`.
public enum BusProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A message of `kind` had `actual` frames where `expected` were required.
    case wrongFrameCount(kind: String, expected: Int, actual: Int)
    /// The record header frame was not ``BusRecord/headerSize`` bytes long.
    case invalidHeaderLength(Int)
    /// The record header names a protocol version this implementation does not speak.
    case unsupportedVersion(UInt8)
    /// The topic frame is not valid UTF-8.
    case invalidTopic
    /// The first frame of a request is not a known command.
    case unknownRequest(String)
    /// A request's argument is unusable; the text says why.
    case malformedRequest(String)
    /// The first frame of a reply is not RECORD, GAP, END or ERROR.
    case unknownReply(String)
    /// An END marker whose payload is not 16 bytes.
    case invalidEndMarkerLength(Int)
    /// A heartbeat whose payload is not 17 bytes.
    case invalidHeartbeatLength(Int)
    /// A GAP reply whose payload is not 21 bytes.
    case invalidGapLength(Int)
    /// A GAP reply of an unknown kind.
    case invalidGapKind(UInt8)
    /// A record's headers frame does not follow the format; the text says why.
    case invalidHeaders(String)
    /// A record pack (version 3) does not follow the format; the text says why.
    case invalidPack(String)

    public var description: String {
        switch self {
        case let .wrongFrameCount(kind, expected, actual):
            "\(kind) message must have \(expected) frames, got \(actual)"
        case let .invalidHeaderLength(length):
            "record header must be \(BusRecord.headerSize) bytes, got \(length)"
        case let .unsupportedVersion(version):
            "unsupported bus protocol version \(version) (this side speaks \(BusRecord.protocolVersion) to \(BusRecordPack.version))"
        case .invalidTopic:
            "topic frame is not valid UTF-8"
        case let .unknownRequest(command):
            "unknown request \(command.debugDescription) (expected SNAPSHOT or REPLAY)"
        case let .malformedRequest(reason):
            "malformed request: \(reason)"
        case let .unknownReply(kind):
            "unknown reply \(kind.debugDescription) (expected RECORD, GAP, END or ERROR)"
        case let .invalidEndMarkerLength(length):
            "END marker must carry 16 bytes, got \(length)"
        case let .invalidHeartbeatLength(length):
            "heartbeat must carry \(BusHeartbeat.payloadSize) bytes, got \(length)"
        case let .invalidGapLength(length):
            "GAP must carry \(BusReplayGap.payloadSize) bytes, got \(length)"
        case let .invalidGapKind(kind):
            "GAP kind must be 1 (deleted) or 2 (rewound), got \(kind)"
        case let .invalidHeaders(reason):
            "invalid record headers frame: \(reason)"
        case let .invalidPack(reason):
            "invalid record pack: \(reason)"
        }
    }
}
