@testable import ExportService
import Bus
import JSON
import RealtimeService
import RecordDecoding
import SocketIO
import Testing
import TestSupport

/// One grammar (issue 16): every value ingestd's decoder publishes is read by realtimed's shaper
/// and exportd's row builder; nothing ingestd passes is dropped downstream as "not JSON".
@Suite struct JSONGrammarAgreementTests {
    let decoder: RecordDecoder

    init() throws {
        decoder = try RecordDecoder(rules: try TopicFormatRules(topicFormats: "json-.*=json,auto-.*=auto,.*=string"))
    }

    /// What ingestd publishes for `bytes` on `topic`, checked against realtimed and exportd.
    func checkPublished(_ bytes: [UInt8], topic: String, seed: UInt64, checkPayloads: Bool = true) throws {
        guard let published = try decoder.decodeValue(bytes, topic: topic) else { return }
        let context = "seed \(seed), input \(String(decoding: bytes, as: UTF8.self).prefix(200))"
        #expect((try? JSONValidator.validate(published)) != nil, "ingestd published invalid JSON: \(context)")
        // realtimed: both families get a payload (or a deliberate nothing for empty data), never "unparsable".
        let record = BusRecord(topic: topic, partition: 0, offset: 0, timestamp: 1, key: nil, value: published)
        let payloads = RecordShaper(filterHTTPCode: false).shape(record)
        #expect(!payloads.unparsable, "realtimed cannot parse what ingestd published: \(context)")
        // The Price Wars payload carries the value verbatim; payloads are JSON (they wrap the value
        // one level deeper, so at the depth bound only clients' parsers, which have none, read them).
        let priceWars = try #require(payloads.priceWars, "Price Wars payload missing: \(context)")
        #expect(priceWars.suffix(published.count + 1) == ArraySlice(published + [UInt8(ascii: "}")]), "\(context)")
        if checkPayloads {
            #expect((try? JSONValidator.validate(priceWars)) != nil, "\(context)")
            if let solar = payloads.solar { #expect((try? JSONValidator.validate(solar)) != nil, "\(context)") }
        }
        // exportd: an object becomes a row; anything else is refused as "not an object", not as bad JSON.
        do {
            _ = try RowBuilder.rows(topic: "t", value: published, kafkaTimestamp: 1)
        } catch .invalidJSON(let error) {
            #expect(error.code == .unexpectedType, "exportd cannot read what ingestd published (\(error)): \(context)")
        }
    }

    @Test func everyPublishedValueParsesInRealtimedAndExportd() throws {
        let seed = FuzzSettings.seed(0x15_16)
        var random = SplitMix64(seed: seed)
        let generator = RandomJSONText()
        for _ in 0..<FuzzSettings.iterations(short: 3_000) {
            let text = generator.text(object: Bool.random(using: &random), using: &random)
            let input = Int.random(in: 0..<4, using: &random) == 0 ? FuzzSettings.mutate(text, using: &random) : text
            let topic = ["json-t", "auto-t", "string-t"].randomElement(using: &random)!
            try checkPublished(input, topic: topic, seed: seed)
        }
    }

    /// The values of the issue's measurement, and nesting at the policy's bound.
    @Test(arguments: [
        #"{"n":1,"v":1e400}"#, #"{"n":2,"s":"\ud800"}"#, #"{"n":4}"#, #"{"n":5,"s":"\udc00\ud83d\ude00"}"#,
        #"{"n":6,"v":-1E+999,"w":123456789012345678901234567890}"#,
    ])
    func valuesOtherParsersOnceDropped(_ text: String) throws {
        try checkPublished(Array(text.utf8), topic: "json-t", seed: 0)
    }

    @Test func nestingAtThePolicyBoundPassesEverywhere() throws {
        try checkPublished(Array("{\"n\":3,\"d\":".utf8) + RandomJSONText.nested(JSONPolicy.maximumDepth - 1) + [UInt8(ascii: "}")],
                           topic: "json-t", seed: 0, checkPayloads: false)
        // One level deeper is not JSON to ingestd: it publishes a JSON string of the text instead.
        let tooDeep = RandomJSONText.nested(JSONPolicy.maximumDepth + 1)
        let published = try #require(try decoder.decodeValue(tooDeep, topic: "json-t"))
        #expect(published.first == UInt8(ascii: "\""))
        try checkPublished(tooDeep, topic: "json-t", seed: 0)
    }
}
