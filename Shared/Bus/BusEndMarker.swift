/// The END reply's payload: the publisher epoch and the last sequence a reply is consistent with.
/// A subscriber applies live records with a greater sequence on top of the reply's records.
public struct BusEndMarker: Sendable, Hashable {
    /// The publisher run the reply belongs to.
    public var epoch: UInt64
    /// The last published sequence whose effect the reply includes (0 when nothing was published).
    public var sequence: UInt64

    public init(epoch: UInt64, sequence: UInt64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    /// The 16-byte frame: epoch u64, sequence u64, big-endian.
    public var frame: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 16) { buffer, count in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: epoch.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: sequence.bigEndian, toByteOffset: 8, as: UInt64.self)
            count = 16
        }
    }

    /// Decodes the 16-byte frame.
    public init(frame: [UInt8]) throws(BusProtocolError) {
        guard frame.count == 16 else { throw .invalidEndMarkerLength(frame.count) }
        (epoch, sequence) = frame.withUnsafeBytes { raw in
            (UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
             UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }
}
