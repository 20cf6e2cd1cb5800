import JSON
import Avro
import Foundation

/// Turns Kafka record keys and values into JSON text, by each topic's `RecordFormat`.
///
/// Values:
/// - `json`: valid JSON (RFC 8259) is passed through unchanged; other UTF-8 text becomes a JSON
///   string; bytes that are not UTF-8 become a JSON string of their base64 encoding.
/// - `string`: a JSON string of the UTF-8 text, or of the base64 encoding when not UTF-8.
/// - `auto`: like `json`, except that a value that is not JSON but decodes exactly with the
///   bundled DataRecord Avro schema (`DataRecordSchema`) becomes that record.
/// - `avro:<file>`: the Avro datum decoded with that schema (see `AvroJSONDecoder`).
/// - `registry`: magic byte 0, 4-byte big-endian schema id, Avro datum; the schema is fetched from
///   the registry once per id.
///
/// Keys are decoded like `json` values, except on `registry` topics, where a key that carries the
/// registry framing (at least 5 bytes, first byte 0) is decoded through the registry.
/// A missing key or value (null key, tombstone) is JSON `null`.
///
/// The decode methods are synchronous and cheap. Only registry schemas need I/O: a record whose
/// schema is not loaded yet throws `RecordDecodingError.schemaNotLoaded(id:)`; await
/// `loadSchema(id:)` and decode it again (or call the `...FetchingSchemas` variants, which do that).
///
/// A decoder is safe to share between threads and tasks.
public final class RecordDecoder: Sendable {
    /// The topic rules in use.
    public let rules: TopicFormatRules
    /// The schema registry's base URL, when configured.
    public let schemaRegistryURL: URL?
    /// How long a failed registry fetch is remembered before the id is fetched again.
    public let registryRetryInterval: Duration
    /// The most JSON text one Avro datum may become; a larger one is a decoding error
    /// (`AvroDecodingError.Reason.outputTooLarge`).
    public let maximumAvroOutputBytes: Int

    private let topicFormats = LockedValue<[String: TopicDecoding]>([:])
    private let registryCache: LockedValue<RegistrySchemaCache>
    private let registry: SchemaRegistryClient?

    /// Creates a decoder.
    ///
    /// - Throws: `RecordDecodingConfigurationError.missingRegistryURL` when a rule uses the registry
    ///   but `schemaRegistryURL` is nil.
    public init(rules: TopicFormatRules, schemaRegistryURL: URL? = nil, registryRetryInterval: Duration = .seconds(1),
                maximumAvroOutputBytes: Int = AvroJSONDecoder.defaultMaximumOutputBytes) throws(RecordDecodingConfigurationError) {
        if rules.usesRegistry && schemaRegistryURL == nil { throw .missingRegistryURL }
        self.maximumAvroOutputBytes = maximumAvroOutputBytes
        self.rules = rules
        self.schemaRegistryURL = schemaRegistryURL
        self.registryRetryInterval = registryRetryInterval
        let registryCache = LockedValue(RegistrySchemaCache())
        self.registryCache = registryCache
        self.registry = schemaRegistryURL.map { SchemaRegistryClient(baseURL: $0, cache: registryCache) }
    }

    /// The format used for `topic`.
    public func format(forTopic topic: String) -> RecordFormat {
        rules.format(forTopic: topic)
    }

    // MARK: Appending to a buffer (the hot path)

    /// Appends the JSON text of a record value to `output` (`null` when `value` is nil).
    /// On error, `output` is left as it was.
    public func appendValue(_ value: UnsafeRawBufferPointer?, topic: String,
                            to output: inout [UInt8]) throws(RecordDecodingError) {
        try appendValue(value, topic: topic, decoding: decoding(forTopic: topic), to: &output)
    }

    private func appendValue(_ value: UnsafeRawBufferPointer?, topic: String, decoding: TopicDecoding,
                             to output: inout [UInt8]) throws(RecordDecodingError) {
        guard let value else {
            output.append(contentsOf: Self.null)
            return
        }
        switch decoding {
        case .json:
            Self.appendJSONOrText(value, to: &output)
        case .string:
            JSONText.appendStringOrBase64(value, to: &output)
        case .auto(let decoder):
            if JSONValidator.isValid(value) {
                output.append(contentsOf: value)
            } else {
                do {
                    try decoder.appendJSON(decoding: value, to: &output, maximumOutputBytes: maximumAvroOutputBytes)
                } catch where error.reason == .outputTooLarge(limit: maximumAvroOutputBytes) {
                    throw .avro(topic: topic, part: .value, error)
                } catch {
                    // Not a DataRecord either (output left as it was): text or base64, as `json`.
                    JSONText.appendStringOrBase64(value, to: &output)
                }
            }
        case .avro(let decoder):
            do {
                try decoder.appendJSON(decoding: value, to: &output, maximumOutputBytes: maximumAvroOutputBytes)
            } catch {
                throw .avro(topic: topic, part: .value, error)
            }
        case .registry:
            try appendRegistryFramed(value, topic: topic, part: .value, to: &output)
        }
    }

    /// Appends the JSON text of a record key to `output` (`null` when `key` is nil).
    /// On error, `output` is left as it was.
    public func appendKey(_ key: UnsafeRawBufferPointer?, topic: String,
                          to output: inout [UInt8]) throws(RecordDecodingError) {
        try appendKey(key, topic: topic, decoding: decoding(forTopic: topic), to: &output)
    }

    private func appendKey(_ key: UnsafeRawBufferPointer?, topic: String, decoding: TopicDecoding,
                           to output: inout [UInt8]) throws(RecordDecodingError) {
        guard let key else {
            output.append(contentsOf: Self.null)
            return
        }
        if decoding.isRegistry, Self.carriesRegistryFraming(key) {
            try appendRegistryFramed(key, topic: topic, part: .key, to: &output)
        } else {
            Self.appendJSONOrText(key, to: &output)
        }
    }

    // MARK: Convenience

    /// The decoder of `topic`'s records, its format resolved once: for decoding many records of
    /// one topic without looking the topic up for each key and value.
    public func decoder(forTopic topic: String) -> TopicRecordDecoder {
        TopicRecordDecoder(decoder: self, topic: topic, decoding: decoding(forTopic: topic))
    }

    /// The JSON text of a record value; nil when `value` is nil.
    public func decodeValue(_ value: [UInt8]?, topic: String) throws(RecordDecodingError) -> [UInt8]? {
        try decode(value, topic: topic, part: .value)
    }

    /// The JSON text of a record key; nil when `key` is nil.
    public func decodeKey(_ key: [UInt8]?, topic: String) throws(RecordDecodingError) -> [UInt8]? {
        try decode(key, topic: topic, part: .key)
    }

    /// Like `decodeValue`, loading registry schemas as needed.
    public func decodeValueFetchingSchemas(_ value: [UInt8]?, topic: String) async throws(RecordDecodingError) -> [UInt8]? {
        try await decodeFetchingSchemas(value, topic: topic, part: .value)
    }

    /// Like `decodeKey`, loading registry schemas as needed.
    public func decodeKeyFetchingSchemas(_ key: [UInt8]?, topic: String) async throws(RecordDecodingError) -> [UInt8]? {
        try await decodeFetchingSchemas(key, topic: topic, part: .key)
    }

    // MARK: Registry schemas

    /// Loads registry schema `id` (fetching it once, however many callers ask at the same time).
    ///
    /// - Throws: `RecordDecodingError.schemaFetchFailed` when the registry cannot provide it; the
    ///   failure is remembered for `registryRetryInterval`, then the id is fetched again.
    public func loadSchema(id: Int32) async throws(RecordDecodingError) {
        guard let registry else {
            throw .schemaFetchFailed(id: id, reason: "SCHEMA_REGISTRY_URL is not set")
        }
        try await registry.load(id: id)
    }

    // MARK: Internals

    private static let null: [UInt8] = Array("null".utf8)

    func decoding(forTopic topic: String) -> TopicDecoding {
        topicFormats.withLock { cache in
            if let known = cache[topic] { return known }
            let resolved: TopicDecoding
            switch rules.format(forTopic: topic) {
            case .json: resolved = .json
            case .string: resolved = .string
            case .auto: resolved = .auto(TopicFormatRules.dataRecordDecoder)
            case .registry: resolved = .registry
            case .avro(let file):
                // Every schema file named by the rules was loaded when they were parsed.
                resolved = rules.avroDecoders[file].map { .avro($0) } ?? .json
            }
            cache[topic] = resolved
            return resolved
        }
    }

    private static func appendJSONOrText(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        if JSONValidator.isValid(bytes) {
            output.append(contentsOf: bytes)
        } else {
            JSONText.appendStringOrBase64(bytes, to: &output)
        }
    }

    private static func carriesRegistryFraming(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.count >= 5 && bytes[0] == 0
    }

    private func appendRegistryFramed(_ bytes: UnsafeRawBufferPointer, topic: String, part: RecordPart,
                                      to output: inout [UInt8]) throws(RecordDecodingError) {
        guard bytes.count >= 5 else {
            throw .invalidRegistryFraming(topic: topic, part: part,
                                          reason: "\(bytes.count) bytes, shorter than the 5-byte header")
        }
        guard bytes[0] == 0 else {
            throw .invalidRegistryFraming(topic: topic, part: part,
                                          reason: "unknown magic byte \(bytes[0]) (expected 0)")
        }
        let id = Int32(bitPattern: UInt32(bytes[1]) << 24 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 8
            | UInt32(bytes[4]))
        let decoder = try registryDecoder(id: id)
        do {
            try decoder.appendJSON(decoding: UnsafeRawBufferPointer(rebasing: bytes[5...]), to: &output,
                                   maximumOutputBytes: maximumAvroOutputBytes)
        } catch {
            throw .avro(topic: topic, part: part, error)
        }
    }

    private func registryDecoder(id: Int32) throws(RecordDecodingError) -> AvroJSONDecoder {
        let retryInterval = registryRetryInterval
        let found: Result<AvroJSONDecoder, RecordDecodingError> = registryCache.withLock { cache in
            if let decoder = cache.loaded[id] { return .success(decoder) }
            if let failure = cache.failures[id] {
                if failure.time.duration(to: .now) < retryInterval {
                    return .failure(.schemaFetchFailed(id: id, reason: failure.reason))
                }
                cache.failures[id] = nil
            }
            return .failure(.schemaNotLoaded(id: id))
        }
        return try found.get()
    }

    private func decode(_ bytes: [UInt8]?, topic: String, part: RecordPart) throws(RecordDecodingError) -> [UInt8]? {
        try decode(bytes, topic: topic, part: part, decoding: decoding(forTopic: topic))
    }

    /// Decodes with the topic's decoding already resolved (``TopicRecordDecoder`` resolves it
    /// once for many records). Valid JSON passed through is handed back as the same storage.
    func decode(_ bytes: [UInt8]?, topic: String, part: RecordPart,
                decoding topicDecoding: TopicDecoding) throws(RecordDecodingError) -> [UInt8]? {
        guard let bytes else { return nil }
        if bytes.withUnsafeBytes({ Self.passesThrough($0, part: part, decoding: topicDecoding) }) { return bytes }
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(RecordDecodingError) in
                try transcode(buffer, topic: topic, part: part, decoding: topicDecoding)
            }
        }
        return try result.get()
    }

    /// Decodes bytes the caller owns (librdkafka's buffers); valid JSON passed through is copied.
    func decode(_ bytes: UnsafeRawBufferPointer?, topic: String, part: RecordPart,
                decoding topicDecoding: TopicDecoding) throws(RecordDecodingError) -> [UInt8]? {
        guard let bytes else { return nil }
        if Self.passesThrough(bytes, part: part, decoding: topicDecoding) { return Array(bytes) }
        return try transcode(bytes, topic: topic, part: part, decoding: topicDecoding)
    }

    /// Whether `bytes` are valid JSON that is passed through unchanged: values on topics that
    /// pass JSON through, keys on every topic but a registry one whose key carries the registry
    /// framing.
    private static func passesThrough(_ bytes: UnsafeRawBufferPointer, part: RecordPart, decoding: TopicDecoding) -> Bool {
        let passes = switch part {
        case .value: decoding.passesJSONThrough
        case .key: !(decoding.isRegistry && carriesRegistryFraming(bytes))
        }
        return passes && JSONValidator.isValid(bytes)
    }

    /// The JSON text of bytes that are not passed through.
    private func transcode(_ bytes: UnsafeRawBufferPointer, topic: String, part: RecordPart,
                           decoding: TopicDecoding) throws(RecordDecodingError) -> [UInt8] {
        var output: [UInt8] = []
        // JSON text of an Avro datum is rarely more than twice its size: one allocation.
        output.reserveCapacity(bytes.count * 2 + 32)
        switch part {
        case .key: try appendKey(bytes, topic: topic, decoding: decoding, to: &output)
        case .value: try appendValue(bytes, topic: topic, decoding: decoding, to: &output)
        }
        return output
    }

    private func decodeFetchingSchemas(_ bytes: [UInt8]?, topic: String,
                                       part: RecordPart) async throws(RecordDecodingError) -> [UInt8]? {
        do {
            return try decode(bytes, topic: topic, part: part)
        } catch {
            guard case .schemaNotLoaded(let id) = error else { throw error }
            try await loadSchema(id: id)
            return try decode(bytes, topic: topic, part: part)
        }
    }
}
