import Avro
import Testing
import TestSupport

/// Issue 11: nested arrays of zero-size items cannot expand a small datum into gigabytes of JSON.
@Suite struct AvroOutputBoundTests {
    /// `array<array<null>>` with `outer` inner arrays of 65,536 nulls each: 4 bytes per inner
    /// array (a 3-byte count and the end marker), about 327 KB of JSON each.
    func expandingDatum(outer: Int) -> [UInt8] { AvroExpandingDatum.nestedNullArrays(outer: outer) }

    let decoder: AvroJSONDecoder

    init() throws {
        decoder = AvroJSONDecoder(schema: try AvroSchema(json: #"{"type":"array","items":{"type":"array","items":"null"}}"#))
    }

    @Test func aHundredKilobyteDatumStopsAtTheDefaultBound() throws {
        let datum = expandingDatum(outer: 25_000)  // ~100 KB in, ~8 GB of JSON unbounded
        #expect(datum.count > 99_000)
        var output = Array("prefix".utf8)
        let clock = ContinuousClock()
        let started = clock.now
        #expect {
            try datum.withUnsafeBytes { try decoder.appendJSON(decoding: $0, to: &output) }
        } throws: { error in
            (error as? AvroDecodingError)?.reason == .outputTooLarge(limit: AvroJSONDecoder.defaultMaximumOutputBytes)
        }
        #expect(output == Array("prefix".utf8), "output restored")
        #expect(clock.now - started < .seconds(30))
    }

    @Test func theBoundIsExactAndSettable() throws {
        let datum = expandingDatum(outer: 2)
        let full = try decoder.json(decoding: datum)
        #expect(try decoder.json(decoding: datum, maximumOutputBytes: full.count) == full)
        #expect(throws: AvroDecodingError.self) { try decoder.json(decoding: datum, maximumOutputBytes: full.count - 1) }
        #expect(throws: AvroDecodingError.self) { try decoder.json(decoding: datum, maximumOutputBytes: 1000) }
    }
}
