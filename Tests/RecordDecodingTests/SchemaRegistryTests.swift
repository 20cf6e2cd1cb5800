import Avro
import Foundation
import RecordDecoding
import Testing
import TestSupport

@Suite struct SchemaRegistryTests {
    static let keySchema = #"{"type": "record", "name": "Key", "fields": [{"name": "merchant", "type": "string"}]}"#

    func makeDecoder(_ registry: FakeSchemaRegistry, retryInterval: Duration = .zero) throws -> RecordDecoder {
        try RecordDecoder(rules: try TopicFormatRules(topicFormats: "^reg\\.=registry"),
                          schemaRegistryURL: registry.url, registryRetryInterval: retryInterval)
    }

    @Test func decodesRegistryFramedValuesAfterLoadingTheSchema() async throws {
        let registry = try await FakeSchemaRegistry.start(schemas: [7: try fixtureSchemaText()])
        let decoder = try makeDecoder(registry)
        let record = registryFramed(id: 7, try dataRecordDatum(timestamp: 3.25, [("on", .union(branch: 5, .boolean(true)))]))

        // The synchronous path names the missing schema instead of blocking.
        #expect(throws: RecordDecodingError.schemaNotLoaded(id: 7)) { try decoder.decodeValue(record, topic: "reg.a") }
        try await decoder.loadSchema(id: 7)
        #expect(text(try decoder.decodeValue(record, topic: "reg.a")) == #"{"timestamp":3.25,"data":{"on":true}}"#)
        #expect(text(try await decoder.decodeValueFetchingSchemas(record, topic: "reg.b"))
            == #"{"timestamp":3.25,"data":{"on":true}}"#)
        #expect(try await registry.requestCounts()["/schemas/ids/7"] == 1)
    }

    @Test func concurrentMissesForOneIdFetchOnce() async throws {
        let registry = try await FakeSchemaRegistry.start(schemas: [1: try fixtureSchemaText()], delay: 0.3)
        let decoder = try makeDecoder(registry)
        let record = registryFramed(id: 1, try dataRecordDatum(timestamp: 1, []))
        let results = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<20 {
                group.addTask { text(try await decoder.decodeValueFetchingSchemas(record, topic: "reg.t")) }
            }
            return try await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(results.count == 20)
        #expect(results.allSatisfy { $0 == #"{"timestamp":1.0,"data":{}}"# })
        #expect(try await registry.requestCounts()["/schemas/ids/1"] == 1)
    }

    @Test func unknownIdIsAnErrorForThatRecordAndIsRetriedLater() async throws {
        let registry = try await FakeSchemaRegistry.start(schemas: [:])
        let decoder = try makeDecoder(registry)
        let record = registryFramed(id: 404, try dataRecordDatum(timestamp: 1, []))
        for _ in 0..<2 {
            await #expect {
                try await decoder.decodeValueFetchingSchemas(record, topic: "reg.t")
            } throws: { error in
                guard case RecordDecodingError.schemaFetchFailed(let id, let reason) = error else { return false }
                return id == 404 && reason.contains("404")
            }
        }
        // Not cached forever: each later record asked the registry again.
        #expect(try await registry.requestCounts()["/schemas/ids/404"] == 2)
    }

    @Test func aRecentFailureIsReportedWithoutRefetchingWithinTheRetryInterval() async throws {
        let registry = try await FakeSchemaRegistry.start(schemas: [:])
        let decoder = try makeDecoder(registry, retryInterval: .seconds(60))
        let record = registryFramed(id: 9, try dataRecordDatum(timestamp: 1, []))
        await #expect(throws: RecordDecodingError.self) {
            try await decoder.decodeValueFetchingSchemas(record, topic: "reg.t")
        }
        #expect {
            try decoder.decodeValue(record, topic: "reg.t")
        } throws: { error in
            if case RecordDecodingError.schemaFetchFailed(9, _) = error { return true }
            return false
        }
        #expect(try await registry.requestCounts()["/schemas/ids/9"] == 1)
    }

    @Test func aTransientFailureRecoversOnTheNextRecord() async throws {
        let registry = try await FakeSchemaRegistry.start(schemas: [5: try fixtureSchemaText()], failFirstRequestFor: [5])
        let decoder = try makeDecoder(registry)
        let record = registryFramed(id: 5, try dataRecordDatum(timestamp: 1, []))
        await #expect {
            try await decoder.decodeValueFetchingSchemas(record, topic: "reg.t")
        } throws: { error in
            if case RecordDecodingError.schemaFetchFailed(5, let reason) = error { return reason.contains("503") }
            return false
        }
        #expect(text(try await decoder.decodeValueFetchingSchemas(record, topic: "reg.t")) == #"{"timestamp":1.0,"data":{}}"#)
        #expect(try await registry.requestCounts()["/schemas/ids/5"] == 2)
    }

    @Test func rejectsUnknownMagicBytesAndShortRecordsWithoutFetching() async throws {
        let registry = try await FakeSchemaRegistry.start(schemas: [1: try fixtureSchemaText()])
        let decoder = try makeDecoder(registry)
        let datum = try dataRecordDatum(timestamp: 1, [])
        var wrongMagic = registryFramed(id: 1, datum)
        wrongMagic[0] = 1
        for record in [wrongMagic, [0, 0, 0, 1], [], Array(#"{"a":1}"#.utf8)] {
            await #expect {
                try await decoder.decodeValueFetchingSchemas(record, topic: "reg.t")
            } throws: { error in
                guard case RecordDecodingError.invalidRegistryFraming(let topic, let part, let reason) = error else {
                    return false
                }
                return topic == "reg.t" && part == .value && !reason.isEmpty
            }
        }
        #expect(try await registry.requestCounts().isEmpty)
    }

    @Test func badDatumAfterAValidHeaderIsAnAvroError() async throws {
        let registry = try await FakeSchemaRegistry.start(schemas: [1: try fixtureSchemaText()])
        let decoder = try makeDecoder(registry)
        let record = registryFramed(id: 1, [0x01, 0x02])
        await #expect {
            try await decoder.decodeValueFetchingSchemas(record, topic: "reg.t")
        } throws: { error in
            if case RecordDecodingError.avro(_, .value, _) = error { return true }
            return false
        }
    }

    @Test func decodesFramedKeysThroughTheRegistryAndOtherKeysAsJSON() async throws {
        let registry = try await FakeSchemaRegistry.start(schemas: [2: Self.keySchema])
        let decoder = try makeDecoder(registry)
        let keyEncoder = try AvroEncoder(schema: try AvroSchema(json: Self.keySchema))
        let key = registryFramed(id: 2, try keyEncoder.encode(.record([(name: "merchant", value: .string("m-1"))])))
        #expect(text(try await decoder.decodeKeyFetchingSchemas(key, topic: "reg.t")) == #"{"merchant":"m-1"}"#)
        #expect(text(try decoder.decodeKey(Array("plain-key".utf8), topic: "reg.t")) == #""plain-key""#)
        #expect(text(try decoder.decodeKey(Array("[1,2]".utf8), topic: "reg.t")) == "[1,2]")
        // On a non-registry topic a framed key is just bytes (not UTF-8 text here: base64).
        #expect(text(try decoder.decodeKey([0, 0, 0, 0, 2, 0xFF], topic: "other")) == #""AAAAAAL/""#)
    }

    @Test func anUnreachableRegistryIsAFetchError() async throws {
        let decoder = try RecordDecoder(rules: try TopicFormatRules(topicFormats: ".*=registry"),
                                        schemaRegistryURL: URL(string: "http://127.0.0.1:1")!,
                                        registryRetryInterval: .zero)
        await #expect {
            try await decoder.loadSchema(id: 3)
        } throws: { error in
            if case RecordDecodingError.schemaFetchFailed(3, _) = error { return true }
            return false
        }
    }
}
