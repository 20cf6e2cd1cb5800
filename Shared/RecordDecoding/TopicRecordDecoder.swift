/// Decodes the keys and values of one topic, its format resolved once by
/// ``RecordDecoder/decoder(forTopic:)``: the same results as ``RecordDecoder/decodeKey(_:topic:)``
/// and ``RecordDecoder/decodeValue(_:topic:)`` without a topic lookup per record.
public struct TopicRecordDecoder: Sendable {
    let decoder: RecordDecoder
    /// The topic whose records this decodes.
    public let topic: String
    let decoding: TopicDecoding

    /// The JSON text of a record key; nil when `key` is nil.
    public func decodeKey(_ key: [UInt8]?) throws(RecordDecodingError) -> [UInt8]? {
        try decoder.decode(key, topic: topic, part: .key, decoding: decoding)
    }

    /// The JSON text of a record value; nil when `value` is nil.
    public func decodeValue(_ value: [UInt8]?) throws(RecordDecodingError) -> [UInt8]? {
        try decoder.decode(value, topic: topic, part: .value, decoding: decoding)
    }

    /// The JSON text of a record key held in a buffer the caller owns; nil when `key` is nil.
    public func decodeKey(_ key: UnsafeRawBufferPointer?) throws(RecordDecodingError) -> [UInt8]? {
        try decoder.decode(key, topic: topic, part: .key, decoding: decoding)
    }

    /// The JSON text of a record value held in a buffer the caller owns; nil when `value` is nil.
    public func decodeValue(_ value: UnsafeRawBufferPointer?) throws(RecordDecodingError) -> [UInt8]? {
        try decoder.decode(value, topic: topic, part: .value, decoding: decoding)
    }
}
