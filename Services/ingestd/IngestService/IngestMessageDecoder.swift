import Bus
import Kafka
import RecordDecoding

/// Decodes one consumed message into the record ingestd publishes. Stateless and `Sendable`:
/// the decode threads share one.
struct IngestMessageDecoder: Sendable {
    let decoder: RecordDecoder

    /// The record (sequence and epoch not stamped), or the reason it does not decode.
    ///
    /// A registry schema not loaded yet is fetched, blocking the calling thread: call it from a
    /// dedicated thread (the decode threads, the consumer thread), never from Swift's pool.
    func decode(_ message: KafkaMessage) -> DecodedMessage {
        decode(KafkaMessageBatch(copying: [message]), 0..<1)[0]
    }

    /// Decodes the records `range` of `batch` in order, from librdkafka's buffers, resolving
    /// each topic's format once per run of its records (a poll's records come in runs per
    /// partition). Loads registry schemas as needed (blocking).
    func decode(_ batch: KafkaMessageBatch, _ range: Range<Int>) -> [DecodedMessage] {
        decode(batch, range, loadingSchemas: true)!
    }

    /// As ``decode(_:_:)``, but never blocks: nil when a record needs a registry schema not
    /// loaded yet (the caller then hands the records to a thread that may wait for it).
    func decodeWithoutLoading(_ batch: KafkaMessageBatch, _ range: Range<Int>) -> [DecodedMessage]? {
        decode(batch, range, loadingSchemas: false)
    }

    /// A registry schema would have to be loaded, and the caller said not to.
    private struct SchemaNeeded: Error {}

    private func decode(_ batch: KafkaMessageBatch, _ range: Range<Int>, loadingSchemas: Bool) -> [DecodedMessage]? {
        var decoded: [DecodedMessage] = []
        decoded.reserveCapacity(range.count)
        var topicDecoder: TopicRecordDecoder?
        for index in range {
            let entry = batch.entries[index]
            if topicDecoder?.topic != entry.topic { topicDecoder = decoder.decoder(forTopic: entry.topic) }
            let topicDecoder = topicDecoder!
            do {
                let (key, value) = try batch.withKeyAndValue(at: index) { (key, value) throws(any Error) in
                    let decodedKey = try decodeLoadingSchemas(loadingSchemas) { () throws(RecordDecodingError) in try topicDecoder.decodeKey(key) }
                    let decodedValue = try decodeLoadingSchemas(loadingSchemas) { () throws(RecordDecodingError) in try topicDecoder.decodeValue(value) }
                    return (decodedKey, decodedValue)
                }
                decoded.append(.record(BusRecord(topic: entry.topic, partition: entry.partition, offset: entry.offset,
                                                 timestamp: entry.timestamp, key: key, value: value,
                                                 headers: entry.headers.busHeaders)))
            } catch is SchemaNeeded {
                return nil
            } catch {
                decoded.append(.failed(topic: entry.topic, partition: entry.partition, offset: entry.offset,
                                       reason: "\(error)"))
            }
        }
        return decoded
    }

    /// Runs `decode`; when it needs a registry schema not loaded yet, loads it (blocking this
    /// dedicated thread) and decodes again, or throws ``SchemaNeeded`` when `loading` is false.
    private func decodeLoadingSchemas(_ loading: Bool, _ decode: () throws(RecordDecodingError) -> [UInt8]?) throws -> [UInt8]? {
        do {
            return try decode()
        } catch .schemaNotLoaded(let id) {
            guard loading else { throw SchemaNeeded() }
            let decoder = self.decoder
            try blockingAwait { try await decoder.loadSchema(id: id) }
            return try decode()
        }
    }
}
