import CRdkafka

/// The records of one consumer poll, their key and value bytes left in librdkafka's buffers
/// until the batch is released (no copy per record).
///
/// Owns its `rd_kafka_message_t`s and destroys them in `deinit`, on whichever thread releases
/// the batch last (librdkafka allows that); it keeps their client alive until then, as
/// librdkafka's messages must go before their handle. Immutable once made, so any thread may
/// read it; the bytes handed to ``withKeyAndValue(at:_:)`` are valid only during the call.
public final class KafkaMessageBatch: @unchecked Sendable {
    /// What is known of a record without reading its key or value.
    public struct Entry: Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
        /// Milliseconds since the epoch, or -1 when the record has none.
        public var timestamp: Int64
        /// As far as ``KafkaHeaderLimits`` allowed.
        public var headers: [KafkaHeader]
        /// Headers left out by ``KafkaHeaderLimits``.
        public var headersDropped: Int
    }

    /// The records in consumption order.
    public let entries: [Entry]
    /// librdkafka's messages, one per entry (empty for a batch of copies).
    private let natives: [UnsafeMutablePointer<rd_kafka_message_t>]
    /// The records' bytes when the batch was made of copies.
    private let copies: [KafkaMessage]
    /// The client the natives came from.
    private let client: RDKafkaClient?

    init(natives: [UnsafeMutablePointer<rd_kafka_message_t>], entries: [Entry], client: RDKafkaClient) {
        precondition(natives.count == entries.count)
        self.natives = natives
        self.client = client
        self.entries = entries
        copies = []
    }

    /// A batch of records already copied out of librdkafka (tests, replays).
    public init(copying messages: [KafkaMessage]) {
        natives = []
        client = nil
        copies = messages
        entries = messages.map {
            Entry(topic: $0.topic, partition: $0.partition, offset: $0.offset, timestamp: $0.timestamp,
                  headers: $0.headers, headersDropped: $0.headersDropped)
        }
    }

    deinit {
        for message in natives { rd_kafka_message_destroy(message) }
    }

    /// Records in the batch.
    public var count: Int { entries.count }

    /// Calls `body` with record `index`'s key and value bytes (nil: no key, a tombstone), valid
    /// only during the call.
    public func withKeyAndValue<Result, Failure: Error>(
        at index: Int, _ body: (UnsafeRawBufferPointer?, UnsafeRawBufferPointer?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        if natives.isEmpty {
            let message = copies[index]
            return try Self.withBytes(message.key) { (key) throws(Failure) in
                try Self.withBytes(message.value) { (value) throws(Failure) in try body(key, value) }
            }
        }
        let message = natives[index].pointee
        let key = message.key.map { UnsafeRawBufferPointer(start: $0, count: message.key_len) }
        let value = message.payload.map { UnsafeRawBufferPointer(start: $0, count: message.len) }
        return try body(key, value)
    }

    /// Record `index` copied out as a ``KafkaMessage``.
    public func message(at index: Int) -> KafkaMessage {
        let entry = entries[index]
        let (key, value) = withKeyAndValue(at: index) { key, value in (key.map(Array.init), value.map(Array.init)) }
        return KafkaMessage(topic: entry.topic, partition: entry.partition, offset: entry.offset, timestamp: entry.timestamp,
                            key: key, value: value, headers: entry.headers, headersDropped: entry.headersDropped)
    }

    private static func withBytes<Result, Failure: Error>(
        _ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        guard let bytes else { return try body(nil) }
        // `withUnsafeBytes` rethrows untyped: carry the typed error out through a Result.
        let result: Swift.Result<Result, Failure> = bytes.withUnsafeBytes { buffer in
            do throws(Failure) { return .success(try body(buffer)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
