import Avro
import Foundation
import TestSupport

/// The fixture DataRecord schema file.
var fixtureSchemaPath: String { TestEnvironment.fixture("kafka.timestamp-data.avsc").path }

/// The fixture schema's JSON text.
func fixtureSchemaText() throws -> String {
    try String(contentsOfFile: fixtureSchemaPath, encoding: .utf8)
}

/// A DataRecord datum for the fixture schema.
func dataRecordDatum(timestamp: Double, _ entries: [(key: String, value: AvroValue)]) throws -> [UInt8] {
    let encoder = try AvroEncoder(schema: try AvroSchema(contentsOfFile: fixtureSchemaPath))
    return try encoder.encode(.record([(name: "timestamp", value: .double(timestamp)),
                                       (name: "data", value: .map(entries))]))
}

/// Confluent framing: magic byte 0, big-endian schema id, datum.
func registryFramed(id: Int32, _ datum: [UInt8]) -> [UInt8] {
    let id = UInt32(bitPattern: id)
    return [0, UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)] + datum
}

func text(_ bytes: [UInt8]?) -> String? {
    bytes.map { String(decoding: $0, as: UTF8.self) }
}

/// Writes `content` to a new temporary file and returns its path.
func temporaryFile(_ content: String, suffix: String = ".avsc") throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("record-decoding-\(UUID().uuidString.prefix(8))\(suffix)").path
    try content.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
