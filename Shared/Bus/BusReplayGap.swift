/// A partition of a REPLAY whose requested offset Kafka no longer holds, said before that
/// partition's records: `["GAP", topic, payload]`, the payload 21 bytes, big-endian: partition
/// i32, requested i64, available i64, kind u8 (1 deleted, 2 rewound).
public struct BusReplayGap: Sendable, Hashable, CustomStringConvertible {
    /// Why the requested offset is not there.
    public enum Kind: UInt8, Sendable, Hashable {
        /// Records from `requested` up to `available` were deleted (retention, DeleteRecords).
        case deleted = 1
        /// The partition ends before `requested`: recreated or truncated; its records now start
        /// at `available` and are all in the reply.
        case rewound = 2

        /// `deleted` or `rewound`, for logs and metric labels.
        public var name: String { self == .deleted ? "deleted" : "rewound" }
    }

    public var topic: String
    public var partition: Int32
    /// The offset the request asked for.
    public var requested: Int64
    /// The first offset the partition holds now.
    public var available: Int64
    public var kind: Kind

    public init(topic: String, partition: Int32, requested: Int64, available: Int64, kind: Kind) {
        self.topic = topic
        self.partition = partition
        self.requested = requested
        self.available = available
        self.kind = kind
    }

    /// Offsets lost for `deleted`; 0 for `rewound` (not known).
    public var lostOffsets: Int64 { kind == .deleted ? max(0, available - requested) : 0 }

    static let payloadSize = 21

    /// The payload frame.
    var payload: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.payloadSize) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: partition.bigEndian, toByteOffset: 0, as: Int32.self)
            raw.storeBytes(of: requested.bigEndian, toByteOffset: 4, as: Int64.self)
            raw.storeBytes(of: available.bigEndian, toByteOffset: 12, as: Int64.self)
            raw.storeBytes(of: kind.rawValue, toByteOffset: 20, as: UInt8.self)
            count = Self.payloadSize
        }
    }

    /// Decodes the topic and payload frames.
    init(topic topicFrame: [UInt8], payload: [UInt8]) throws(BusProtocolError) {
        guard let topic = String(validating: topicFrame, as: UTF8.self) else { throw .invalidTopic }
        guard payload.count == Self.payloadSize else { throw .invalidGapLength(payload.count) }
        let (partition, requested, available, rawKind) = payload.withUnsafeBytes { raw in
            (Int32(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: Int32.self)),
             Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 4, as: Int64.self)),
             Int64(bigEndian: raw.loadUnaligned(fromByteOffset: 12, as: Int64.self)),
             raw[20])
        }
        guard let kind = Kind(rawValue: rawKind) else { throw .invalidGapKind(rawKind) }
        self.init(topic: topic, partition: partition, requested: requested, available: available, kind: kind)
    }

    public var description: String {
        switch kind {
        case .deleted: "\(topic)[\(partition)]: offsets \(requested)..<\(available) were deleted from Kafka"
        case .rewound: "\(topic)[\(partition)]: ends before offset \(requested) (recreated or truncated); it starts at \(available) now"
        }
    }
}
