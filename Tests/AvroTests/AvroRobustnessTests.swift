import Avro
import Testing
import TestSupport

@Suite struct AvroRobustnessTests {
    func validDatum() throws -> (AvroJSONDecoder, [UInt8]) {
        let schema = try fixtureSchema()
        let encoder = try AvroEncoder(schema: schema)
        let datum = try encoder.encode(.record([
            (name: "timestamp", value: .double(1521194520.25)),
            (name: "data", value: .map([
                ("temperature", .union(branch: 2, .float(21.5))), ("count", .union(branch: 3, .long(123_456_789))),
                ("status", .union(branch: 0, .string("ok"))), ("raw", .union(branch: 1, .bytes([1, 2, 3]))),
                ("small", .union(branch: 4, .int(-1))), ("on", .union(branch: 5, .boolean(true))),
            ])),
        ]))
        return (AvroJSONDecoder(schema: schema), datum)
    }

    @Test func everyTruncationThrows() throws {
        let (decoder, datum) = try validDatum()
        for length in 0..<datum.count {
            #expect(throws: AvroDecodingError.self, "prefix of \(length) bytes") {
                try decoder.json(decoding: Array(datum.prefix(length)))
            }
        }
        _ = try decoder.json(decoding: datum)
    }

    @Test func trailingBytesThrow() throws {
        let (decoder, datum) = try validDatum()
        #expect {
            try decoder.json(decoding: datum + [0x00, 0x01])
        } throws: { error in
            (error as? AvroDecodingError)?.reason == .trailingBytes(count: 2)
        }
    }

    @Test func randomGarbageNeverCrashes() throws {
        let (decoder, datum) = try validDatum()
        var random = SplitMix64(seed: 0xA7_20)
        var decoded = 0
        var failed = 0
        for round in 0..<20_000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                // Mutate a few bytes of a valid datum: reaches deeper into the decoder than pure noise.
                input = datum
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    input[Int.random(in: 0..<input.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                if Bool.random(using: &random) { input = Array(input.prefix(Int.random(in: 0...input.count, using: &random))) }
            }
            do {
                let json = try decoder.json(decoding: input)
                decoded += 1
                #expect(isParsableJSON(json), "decoder produced invalid JSON for \(input)")
            } catch {
                // Expected for most inputs (typed throws: always an AvroDecodingError).
                failed += 1
            }
        }
        // Some mutations (e.g. of a float's bytes) still decode: the loop exercised both outcomes.
        #expect(decoded > 0)
        #expect(failed > 0)
    }

    @Test func rejectsAnOutOfRangeUnionBranch() throws {
        let (decoder, _) = try validDatum()
        // timestamp 0.0, one map entry "k" with branch 6 (the union has 6 branches).
        let datum: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x02, UInt8(ascii: "k"), 0x0C, 0x00]
        #expect {
            try decoder.json(decoding: datum)
        } throws: { error in
            (error as? AvroDecodingError)?.reason == .unionBranchOutOfRange(index: 6, branches: 6)
        }
    }

    @Test func rejectsNegativeLengthsAndHugeCounts() throws {
        let (decoder, _) = try validDatum()
        let timestamp: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]
        let cases: [([UInt8], AvroDecodingError.Reason)] = [
            (timestamp + [0x02, 0x01, 0x00, 0x00], .negativeLength(-1)),  // key length -1
            (timestamp + [0xFE, 0xFF, 0xFF, 0xFF, 0x0F], .blockCountTooLarge(2_147_483_647)),
            (timestamp + [0x02, 0x02, 0x6B, 0x00, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F], .truncated),  // string of 2^31 bytes
            (timestamp + [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], .varintTooLong),
            (timestamp + [0x02, 0x02, 0x6B, 0x08, 0xFE, 0xFF, 0xFF, 0xFF, 0x1F, 0x00], .intOutOfRange(4_294_967_295)),
            (timestamp + [0x02, 0x02, 0x6B, 0x0A, 0x02, 0x00], .invalidBoolean(2)),
        ]
        for (datum, reason) in cases {
            #expect(throws: AvroDecodingError.self) { try decoder.json(decoding: datum) }
            do {
                _ = try decoder.json(decoding: datum)
            } catch {
                #expect(error.reason == reason, "input \(datum)")
            }
        }
    }

    @Test func rejectsAnOutOfRangeEnumIndex() throws {
        let decoder = AvroJSONDecoder(schema: try AvroSchema(json: #"{"type":"enum","name":"E","symbols":["A","B"]}"#))
        #expect(try decodeToString(decoder, [0x02]) == #""B""#)
        for datum: [UInt8] in [[0x04], [0x01]] {
            #expect(throws: AvroDecodingError.self) { try decoder.json(decoding: datum) }
        }
    }

    @Test func boundsArraysOfZeroSizeItems() throws {
        // Items that take no bytes cannot be bounded by the input length; a forged count must not spin.
        let decoder = AvroJSONDecoder(schema: try AvroSchema(json: #"{"type":"array","items":"null"}"#))
        #expect(try decodeToString(decoder, [0x06, 0x00]) == "[null,null,null]")
        #expect {
            try decoder.json(decoding: [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00])
        } throws: { error in
            if case .blockCountTooLarge = (error as? AvroDecodingError)?.reason { return true }
            return false
        }
    }

    @Test func limitsNestingOfRecursiveSchemas() throws {
        let decoder = AvroJSONDecoder(schema: try AvroSchema(json: """
            {"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"]}]}
            """))
        #expect(try decodeToString(decoder, [0x02, 0x02, 0x00]) == #"{"next":{"next":{"next":null}}}"#)
        // Every byte 0x02 selects the "Node" branch again: nesting until the input ends.
        let deep = [UInt8](repeating: 0x02, count: 10_000) + [0x00]
        #expect {
            try decoder.json(decoding: deep)
        } throws: { error in
            (error as? AvroDecodingError)?.reason == .nestingTooDeep
        }
    }

    @Test func handlesOddButAcceptedSchemas() throws {
        let emptyRecord = AvroJSONDecoder(schema: try AvroSchema(json: #"{"type":"record","name":"R","fields":[]}"#))
        #expect(try decodeToString(emptyRecord, []) == "{}")
        #expect(throws: AvroDecodingError.self) { try emptyRecord.json(decoding: [0]) }

        let emptyFixed = AvroJSONDecoder(schema: try AvroSchema(json: #"{"type":"fixed","name":"F","size":0}"#))
        #expect(try decodeToString(emptyFixed, []) == #""""#)

        // avro-c accepts a negative fixed size; no datum can match it.
        let negativeFixed = AvroJSONDecoder(schema: try AvroSchema(json: #"{"type":"fixed","name":"F","size":-1}"#))
        #expect(throws: AvroDecodingError.self) { try negativeFixed.json(decoding: [1, 2]) }

        // A record that always contains itself can never end: nesting is cut off, not the stack.
        let endless = AvroJSONDecoder(schema: try AvroSchema(
            json: #"{"type":"record","name":"R","fields":[{"name":"a","type":"R"}]}"#))
        #expect {
            try endless.json(decoding: [])
        } throws: { error in
            (error as? AvroDecodingError)?.reason == .nestingTooDeep
        }

        let arrayOfEmptyRecords = AvroJSONDecoder(schema: try AvroSchema(
            json: #"{"type":"array","items":{"type":"record","name":"E","fields":[]}}"#))
        #expect(try decodeToString(arrayOfEmptyRecords, [0x04, 0x00]) == "[{},{}]")
        #expect(throws: AvroDecodingError.self) {
            try arrayOfEmptyRecords.json(decoding: [0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x00])
        }
    }
}
