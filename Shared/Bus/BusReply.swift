/// One reply message from the snapshot server (after the ROUTER identity frame).
public enum BusReply: Sendable, Hashable {
    /// `["RECORD", topic, header, key, value]`, and a headers frame for a record with headers.
    case record(BusRecord)
    /// `["GAP", topic, payload]`: records a REPLAY asked for that Kafka no longer holds; before
    /// that partition's records.
    case gap(BusReplayGap)
    /// `["END", epoch u64 + sequence u64]`: the reply is complete.
    case end(BusEndMarker)
    /// `["ERROR", message, code]`: the request failed; no END follows. The code frame is optional
    /// on the wire (``BusErrorCode/unspecified`` when missing).
    case error(BusServerError)

    static let recordCommand = Array("RECORD".utf8)
    static let gapCommand = Array("GAP".utf8)
    static let endCommand = Array("END".utf8)
    static let errorCommand = Array("ERROR".utf8)

    /// The reply as frames (without the routing identity).
    public var frames: [[UInt8]] {
        switch self {
        case let .record(record):
            [Self.recordCommand] + record.liveFrames
        case let .gap(gap):
            [Self.gapCommand, Array(gap.topic.utf8), gap.payload]
        case let .end(marker):
            [Self.endCommand, marker.frame]
        case let .error(error):
            error.frames
        }
    }

    /// Decodes a reply, validating its frames.
    public init(frames: [[UInt8]]) throws(BusProtocolError) {
        guard let kind = frames.first else {
            throw .wrongFrameCount(kind: "reply", expected: 2, actual: 0)
        }
        switch kind {
        case Self.recordCommand:
            guard frames.count == 5 || frames.count == 6 else {
                throw .wrongFrameCount(kind: "RECORD reply", expected: 5, actual: frames.count)
            }
            self = .record(try BusRecord(topic: frames[1], header: frames[2], key: frames[3], value: frames[4],
                                         headers: frames.count == 6 ? frames[5] : nil))
        case Self.gapCommand:
            guard frames.count == 3 else {
                throw .wrongFrameCount(kind: "GAP reply", expected: 3, actual: frames.count)
            }
            self = .gap(try BusReplayGap(topic: frames[1], payload: frames[2]))
        case Self.endCommand:
            guard frames.count == 2 else {
                throw .wrongFrameCount(kind: "END reply", expected: 2, actual: frames.count)
            }
            self = .end(try BusEndMarker(frame: frames[1]))
        case Self.errorCommand:
            guard frames.count == 2 || frames.count == 3 else {
                throw .wrongFrameCount(kind: "ERROR reply", expected: 3, actual: frames.count)
            }
            self = .error(BusServerError(frames.count == 3 ? BusErrorCode(frame: frames[2]) : .unspecified,
                                         String(decoding: frames[1], as: UTF8.self)))
        default:
            throw .unknownReply(String(decoding: kind.prefix(32), as: UTF8.self))
        }
    }
}
