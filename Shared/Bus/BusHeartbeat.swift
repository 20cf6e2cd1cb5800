/// A live message that carries no record: the publisher's epoch and last published sequence,
/// sent about once a second. It lets subscribers notice lost messages even when nothing else is
/// published after them, and notice a publisher restart while it is idle.
///
/// Wire form: `[<empty frame>, <17 bytes: version u8, epoch u64, sequence u64>]`. Kafka topics are
/// never empty, so the empty first frame cannot be confused with a record; only subscribers that
/// subscribe to everything (the empty prefix) receive heartbeats.
public struct BusHeartbeat: Sendable, Hashable {
    /// Size of the payload frame.
    public static let payloadSize = 17

    /// The publisher run.
    public var epoch: UInt64
    /// The last sequence published (0 before the first record).
    public var sequence: UInt64

    public init(epoch: UInt64, sequence: UInt64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    /// Writes the payload frame into `buffer` (at least ``payloadSize`` bytes).
    public func writePayload(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.payloadSize, "heartbeat buffer too small")
        buffer.storeBytes(of: BusRecord.protocolVersion, toByteOffset: 0, as: UInt8.self)
        buffer.storeBytes(of: epoch.bigEndian, toByteOffset: 1, as: UInt64.self)
        buffer.storeBytes(of: sequence.bigEndian, toByteOffset: 9, as: UInt64.self)
    }

    /// The two frames of the heartbeat.
    public var frames: [[UInt8]] {
        let payload = [UInt8](unsafeUninitializedCapacity: Self.payloadSize) { buffer, count in
            writePayload(into: UnsafeMutableRawBufferPointer(buffer))
            count = Self.payloadSize
        }
        return [[], payload]
    }

    /// Whether a live message is a heartbeat (its first frame is empty).
    public static func isHeartbeat(_ frames: [[UInt8]]) -> Bool {
        frames.first?.isEmpty ?? false
    }

    /// Decodes a heartbeat, validating frame count, payload length and version.
    public init(frames: [[UInt8]]) throws(BusProtocolError) {
        guard frames.count == 2 else {
            throw .wrongFrameCount(kind: "heartbeat", expected: 2, actual: frames.count)
        }
        let payload = frames[1]
        guard payload.count == Self.payloadSize else { throw .invalidHeartbeatLength(payload.count) }
        guard payload[0] == BusRecord.protocolVersion else { throw .unsupportedVersion(payload[0]) }
        (epoch, sequence) = payload.withUnsafeBytes { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 1, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 9, as: UInt64.self)))
        }
    }
}
