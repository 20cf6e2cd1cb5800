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
        do {
            let key = try decodeLoadingSchemas { () throws(RecordDecodingError) in
                try decoder.decodeKey(message.key, topic: message.topic)
            }
            let value = try decodeLoadingSchemas { () throws(RecordDecodingError) in
                try decoder.decodeValue(message.value, topic: message.topic)
            }
            return .record(BusRecord(topic: message.topic, partition: message.partition, offset: message.offset,
                                     timestamp: message.timestamp, key: key, value: value, headers: message.busHeaders))
        } catch {
            return .failed(topic: message.topic, partition: message.partition, offset: message.offset,
                           reason: "\(error)")
        }
    }

    /// Runs `decode`; when it needs a registry schema not loaded yet, loads it (blocking this
    /// dedicated thread) and decodes again.
    private func decodeLoadingSchemas(_ decode: () throws(RecordDecodingError) -> [UInt8]?) throws -> [UInt8]? {
        do {
            return try decode()
        } catch .schemaNotLoaded(let id) {
            let decoder = self.decoder
            try blockingAwait { try await decoder.loadSchema(id: id) }
            return try decode()
        }
    }
}
