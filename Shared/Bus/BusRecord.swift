/// One decoded Kafka record as carried on the bus (see `docs/bus-protocol.md`).
public struct BusRecord: Sendable, Hashable {
    /// The Kafka topic. Also the first frame of a live message, so SUB prefix filters match it.
    public var topic: String
    /// The Kafka partition.
    public var partition: Int32
    /// The record's offset in its partition.
    public var offset: Int64
    /// The record timestamp in milliseconds since the Unix epoch, or -1 when absent.
    public var timestamp: Int64
    /// The decoded key as UTF-8 JSON text; `nil` for a null key.
    public var key: [UInt8]?
    /// The decoded value as UTF-8 JSON text; `nil` for a null value (a tombstone).
    public var value: [UInt8]?
    /// The publisher's message counter: grows by one for every message published in an epoch.
    public var sequence: UInt64
    /// The publisher's run: a new random value each time the publisher starts.
    public var epoch: UInt64
    /// The Kafka headers in their order (names may repeat); empty for none. A record with
    /// headers travels as a version 2 record (five frames, see ``headersFrame``).
    public var headers: [BusRecordHeader]

    public init(
        topic: String, partition: Int32, offset: Int64, timestamp: Int64 = -1,
        key: [UInt8]?, value: [UInt8]?, sequence: UInt64 = 0, epoch: UInt64 = 0,
        headers: [BusRecordHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.sequence = sequence
        self.epoch = epoch
        self.headers = headers
    }
}
