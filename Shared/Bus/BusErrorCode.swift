/// Why a snapshot server answered `ERROR`: the third frame of the reply, so clients decide on a
/// code, never on the message text.
public enum BusErrorCode: String, Sendable, Hashable, CaseIterable {
    /// The request broke the protocol.
    case malformedRequest = "malformed-request"
    /// A server limit refused a well-formed request for now (retry later).
    case limitReached = "limit-reached"
    /// The topic is left out by the server's topic selection: nothing will come for it.
    case topicNotServed = "topic-not-served"
    /// Kafka does not know the topic (or the partition) yet.
    case unknownTopic = "unknown-topic"
    /// Kafka failed while the server read it.
    case kafkaFailed = "kafka-failed"
    /// Kafka stopped delivering in the middle of a replay.
    case replayStalled = "replay-stalled"
    /// The server failed on its own.
    case `internal` = "internal"
    /// An `ERROR` reply without a code (a server older than codes).
    case unspecified = "unspecified"

    /// The code of a reply's third frame; unknown codes read as ``unspecified``.
    init(frame: [UInt8]) {
        self = BusErrorCode(rawValue: String(decoding: frame.prefix(64), as: UTF8.self)) ?? .unspecified
    }
}
