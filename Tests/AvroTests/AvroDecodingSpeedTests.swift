import Avro
import Foundation
import Testing

/// A coarse guard against pathological slowdowns (per-record allocation storms, quadratic loops).
/// The real target (200,000 records/s through ingestd on 2 cores) is measured on release builds;
/// this debug-build bound leaves a wide margin for a loaded machine.
@Suite struct AvroDecodingSpeedTests {
    @Test func decodesTheFixtureRecordQuickly() throws {
        let schema = try fixtureSchema()
        let encoder = try AvroEncoder(schema: schema)
        var entries: [(key: String, value: AvroValue)] = []
        for index in 0..<10 {
            let value: AvroValue
            switch index % 4 {
            case 0: value = .union(branch: 2, .float(21.5 + Float(index)))
            case 1: value = .union(branch: 3, .long(123_456_789 * Int64(index)))
            case 2: value = .union(branch: 0, .string("status ok"))
            default: value = .union(branch: 5, .boolean(index % 2 == 0))
            }
            entries.append((key: "sensor_\(index)", value: value))
        }
        let datum = try encoder.encode(.record([(name: "timestamp", value: .double(1521194520.123)),
                                                (name: "data", value: .map(entries))]))
        let decoder = AvroJSONDecoder(schema: schema)
        var output: [UInt8] = []
        let records = 20_000
        let start = ContinuousClock.now
        try datum.withUnsafeBytes { bytes in
            for _ in 0..<records {
                output.removeAll(keepingCapacity: true)
                try decoder.appendJSON(decoding: bytes, to: &output)
            }
        }
        let elapsed = ContinuousClock.now - start
        #expect(output.count > 200)
        #expect(elapsed < .seconds(10), "\(records) records took \(elapsed)")
    }
}
