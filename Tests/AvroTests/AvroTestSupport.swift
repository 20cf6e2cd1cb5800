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

/// Whether `bytes` parse as JSON (any top-level value), checked with Foundation in tests only.
func isParsableJSON(_ bytes: [UInt8]) -> Bool {
    (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
}
