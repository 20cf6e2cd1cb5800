import Bus
import Foundation
@testable import ExportService
import TestSupport

/// Helpers shared by exportd's unit tests.
enum ExportFixtures {
    struct Merchant: Decodable {
        var name: String
        var merchant_token: String
        var merchant_id: String
    }

    static func merchants() throws -> [Merchant] {
        try JSONDecoder().decode([Merchant].self, from: Data(contentsOf: TestEnvironment.fixture("merchants.json")))
    }

    /// The fixture lines of a `.jsonl` file.
    static func lines(_ name: String) throws -> [[UInt8]] {
        try String(contentsOf: TestEnvironment.fixture(name), encoding: .utf8)
            .split(separator: "\n").filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("exportd-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func record(_ topic: String, _ offset: Int64, _ value: String, partition: Int32 = 0, timestamp: Int64 = 1_521_194_460_000) -> BusRecord {
        BusRecord(topic: topic, partition: partition, offset: offset, timestamp: timestamp, key: nil, value: Array(value.utf8))
    }
}

extension String {
    /// CSV text split in lines (no quoted line breaks in the tests' data).
    var csvLines: [String] { split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

extension ExportStore {
    /// The export as text.
    func csv(_ topics: [String], merchant: String?, since: Int64? = nil, until: Int64? = nil, topicColumn: Bool = false,
             columns: [String]? = nil) -> String {
        var buffer = render(topics: topics, merchant: merchant, since: since, until: until, topicColumn: topicColumn, columns: columns)
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }
}
