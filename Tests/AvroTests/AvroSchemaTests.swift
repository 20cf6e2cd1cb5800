import JSON
import Avro
import Foundation
import Testing
import TestSupport

@Suite struct AvroSchemaTests {
    @Test func loadsTheFixtureSchemaFromAFile() throws {
        let schema = try fixtureSchema()
        #expect(schema.name == "DataRecord")
        #expect(schema.jsonText.contains("timestamp"))
    }

    @Test func parsesSchemaJSONText() throws {
        let schema = try AvroSchema(json: #"{"type":"enum","name":"Color","symbols":["RED","GREEN"]}"#)
        #expect(schema.name == "Color")
        let primitive = try AvroSchema(json: #""string""#)
        #expect(primitive.name == nil)
    }

    @Test func rejectsMalformedJSONWithAvroMessage() {
        #expect {
            try AvroSchema(json: #"{"type": "record", "name": "#)
        } throws: { error in
            guard case AvroSchemaError.invalidSchema(let reason) = error else { return false }
            return !reason.isEmpty
        }
    }

    @Test func rejectsUnknownTypes() {
        #expect {
            try AvroSchema(json: #"{"type": "nosuchtype"}"#)
        } throws: { error in
            if case AvroSchemaError.invalidSchema = error { return true }
            return false
        }
    }

    @Test func rejectsARecordWithoutFields() {
        #expect(throws: AvroSchemaError.self) {
            try AvroSchema(json: #"{"type": "record", "name": "R"}"#)
        }
    }

    @Test func reportsAMissingFile() {
        #expect {
            try AvroSchema(contentsOfFile: "/nonexistent/dir/schema.avsc")
        } throws: { error in
            guard case AvroSchemaError.unreadableFile(let path, let reason) = error else { return false }
            return path == "/nonexistent/dir/schema.avsc" && !reason.isEmpty
                && "\(error)".contains("/nonexistent/dir/schema.avsc")
        }
    }

    @Test func reportsADirectory() {
        let directory = FileManager.default.temporaryDirectory.path
        #expect(throws: AvroSchemaError.unreadableFile(path: directory, reason: "is a directory")) {
            try AvroSchema(contentsOfFile: directory)
        }
    }

    @Test func reportsAnInvalidSchemaFileWithItsPath() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UInt32.random(in: 0...UInt32.max)).avsc").path
        try "{not json".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try AvroSchema(contentsOfFile: path)
        } throws: { error in
            guard case AvroSchemaError.invalidSchema(let reason) = error else { return false }
            return reason.contains(path)
        }
    }
}
