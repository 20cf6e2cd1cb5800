import Avro
import Foundation
import Testing
import TestSupport

/// Issue 11: a seeded random fuzz of the Avro decoder over several schemas (recursive records,
/// nested arrays of zero-size items, unions of every type, enums, fixed). Every input either
/// decodes to valid JSON within the output bound or throws `AvroDecodingError`; nothing crashes.
/// Short here; `scripts/fuzz-decoders` runs 1,000,000 inputs.
@Suite struct AvroDecoderFuzzTests {
    struct Case {
        let decoder: AvroJSONDecoder
        let seeds: [[UInt8]]
    }

    static func cases() throws -> [Case] {
        func make(_ schema: String, _ values: [AvroValue]) throws -> Case {
            try make(try AvroSchema(json: schema), values)
        }
        func make(_ parsed: AvroSchema, _ values: [AvroValue]) throws -> Case {
            let encoder = try AvroEncoder(schema: parsed)
            return Case(decoder: AvroJSONDecoder(schema: parsed), seeds: try values.map { try encoder.encode($0) })
        }
        var list: AvroValue = .union(branch: 0, .null)
        for index in 0..<6 { list = .union(branch: 1, .record([(name: "v", value: .long(Int64(index) * 1_000_003)), (name: "next", value: list)])) }
        guard case .union(_, let head) = list else { fatalError() }
        return [
            try make(try fixtureSchema(), [.record([
                (name: "timestamp", value: .double(1521194520.25)),
                (name: "data", value: .map([("t", .union(branch: 2, .float(21.5))), ("n", .union(branch: 3, .long(-9))),
                                            ("s", .union(branch: 0, .string("ok \u{e9}"))), ("b", .union(branch: 1, .bytes([0xFF, 0]))),
                                            ("i", .union(branch: 4, .int(7))), ("o", .union(branch: 5, .boolean(false)))])),
            ])]),
            try make(#"{"type":"array","items":{"type":"array","items":"null"}}"#,
                     [.array([.array([.null, .null]), .array([]), .array([.null])])]),
            try make(#"{"type":"record","name":"N","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","N"]}]}"#, [head]),
            try make(#"""
                {"type":"map","values":["null","boolean","int","long","float","double","bytes","string",
                 {"type":"enum","name":"E","symbols":["A","B","C"]},{"type":"fixed","name":"F","size":4},
                 {"type":"array","items":"string"}]}
                """#, [.map([("a", .union(branch: 0, .null)), ("b", .union(branch: 8, .enumSymbol("C"))),
                             ("c", .union(branch: 9, .bytes([1, 2, 3, 4]))), ("d", .union(branch: 10, .array([.string("x"), .string("")]))),
                             ("e", .union(branch: 5, .double(-0.0))), ("f", .union(branch: 7, .string("\"\\\n")))])]),
        ]
    }

    /// Runs `iterations` inputs; returns (decoded, failed).
    static func run(iterations: Int, seed: UInt64, maximumOutputBytes: Int) throws -> (Int, Int) {
        let cases = try cases()
        var random = SplitMix64(seed: seed)
        var decoded = 0
        var failed = 0
        for round in 0..<iterations {
            let fuzzCase = cases[round % cases.count]
            let input = round % 4 == 0
                ? FuzzSettings.noise(maximumLength: 96, using: &random)
                : FuzzSettings.mutate(fuzzCase.seeds[Int.random(in: 0..<fuzzCase.seeds.count, using: &random)], using: &random)
            do {
                let json = try fuzzCase.decoder.json(decoding: input, maximumOutputBytes: maximumOutputBytes)
                decoded += 1
                if json.count > maximumOutputBytes || !isParsableJSON(json) {
                    Issue.record("seed \(seed) round \(round): bad output \(json.count) bytes for \(input)")
                }
            } catch {
                failed += 1
            }
        }
        return (decoded, failed)
    }

    @Test func randomAndMutatedDatumsDecodeToValidJSONOrThrow() throws {
        let seed = FuzzSettings.seed(0xF022_A7C0)
        let (decoded, failed) = try Self.run(iterations: FuzzSettings.iterations(short: 20_000), seed: seed,
                                             maximumOutputBytes: 64 << 10)
        #expect(decoded > 0 && failed > 0, "both outcomes exercised (seed \(seed))")
    }
}
