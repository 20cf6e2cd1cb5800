import Foundation

/// A request to the snapshot server (ROUTER side channel), see `docs/bus-protocol.md`.
public enum BusRequest: Sendable, Hashable {
    /// `["SNAPSHOT", prefix]`: the server's cached records of every topic starting with `topicPrefix`
    /// (empty = all topics), then an END marker.
    case snapshot(topicPrefix: String)
    /// `["REPLAY", json]`: every record of the named topics from the given first offsets up to the
    /// current end, then an END marker.
    case replay(BusReplayOffsets)
    /// `["PRESENCE", json]`: a subscriber replica's client count (see ``BusPresenceReport``),
    /// answered with an END marker only.
    case presence(BusPresenceReport)

    /// The request as frames (without any routing envelope).
    public var frames: [[UInt8]] {
        switch self {
        case let .snapshot(prefix):
            [Array("SNAPSHOT".utf8), Array(prefix.utf8)]
        case let .replay(offsets):
            [Array("REPLAY".utf8), Array(offsets.json.utf8)]
        case let .presence(report):
            [Array("PRESENCE".utf8), report.json]
        }
    }

    /// Decodes a request from its frames (after the ROUTER identity frame), validating everything.
    public init(frames: [[UInt8]]) throws(BusProtocolError) {
        guard let command = frames.first else {
            throw .malformedRequest("empty message")
        }
        switch command {
        case Array("SNAPSHOT".utf8):
            guard frames.count == 2 else {
                throw .wrongFrameCount(kind: "SNAPSHOT request", expected: 2, actual: frames.count)
            }
            guard let prefix = String(validating: frames[1], as: UTF8.self) else {
                throw .malformedRequest("SNAPSHOT topic prefix is not valid UTF-8")
            }
            self = .snapshot(topicPrefix: prefix)
        case Array("REPLAY".utf8):
            guard frames.count == 2 else {
                throw .wrongFrameCount(kind: "REPLAY request", expected: 2, actual: frames.count)
            }
            self = .replay(try BusReplayOffsets(json: frames[1]))
        case Array("PRESENCE".utf8):
            guard frames.count == 2 else {
                throw .wrongFrameCount(kind: "PRESENCE request", expected: 2, actual: frames.count)
            }
            self = .presence(try BusPresenceReport(json: frames[1]))
        default:
            let shown = String(decoding: command.prefix(32), as: UTF8.self)
            throw .unknownRequest(shown)
        }
    }
}
