import Avro
import Foundation
import TestSupport

/// The fixture DataRecord schema (timestamp double, data map of union [string, bytes, float, long, int, boolean]).
func fixtureSchema() throws -> AvroSchema {
    try AvroSchema(contentsOfFile: TestEnvironment.fixture("kafka.timestamp-data.avsc").path)
}

/// Decodes `datum` and returns the JSON as a String.
func decodeToString(_ decoder: AvroJSONDecoder, _ datum: [UInt8]) throws -> String {
    String(decoding: try decoder.json(decoding: datum), as: UTF8.self)
}

/// A small deterministic random generator, so failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Whether `bytes` parse as JSON (any top-level value), checked with Foundation in tests only.
func isParsableJSON(_ bytes: [UInt8]) -> Bool {
    (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
}
