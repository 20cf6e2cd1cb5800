import Foundation
import Testing

@testable import DemoData

@Suite("Demo JSON encoding")
struct JSONEncodingTests {
    @Test("timestamps are ISO 8601 UTC with milliseconds, as Foundation formats whole-millisecond times")
    func timestamps() {
        #expect(ISOTimestamp.string(1_521_194_460) == "2018-03-16T10:01:00.000Z")
        #expect(ISOTimestamp.string(0) == "1970-01-01T00:00:00.000Z")
        #expect(ISOTimestamp.string(951_782_400.5) == "2000-02-29T00:00:00.500Z")
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var random = DemoRandom(seed: 1)
        for _ in 0..<2000 {
            let milliseconds = Int64.random(in: 0...4_102_444_800_000, using: &random)
            let time = Double(milliseconds) / 1000
            #expect(ISOTimestamp.string(time) == formatter.string(from: Date(timeIntervalSince1970: time)))
        }
    }

    @Test("the object writer escapes strings and writes every field kind")
    func writer() throws {
        var writer = JSONObjectWriter()
        writer.field("text", "a \"quoted\"\nline\\")
        writer.field("int", -42)
        writer.field("double", 35.5)
        writer.field("flag", false)
        writer.field("nested", json: Array(#"{"x":1}"#.utf8))
        writer.field("list", jsonArray: [Array("1".utf8), Array("[2]".utf8)])
        let bytes = writer.finish()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["text"] as? String == "a \"quoted\"\nline\\")
        #expect(object["int"] as? Int == -42)
        #expect(object["double"] as? Double == 35.5)
        #expect(object["flag"] as? Bool == false)
        #expect((object["nested"] as? [String: Int])?["x"] == 1)
        #expect((object["list"] as? [Any])?.count == 2)
    }
}
