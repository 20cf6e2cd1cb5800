import Avro
import Foundation

/// The records the demo producer writes.
struct DemoRecords {
    /// Topics of the demo: Price Wars JSON and solar-plant Avro.
    static let topics = ["buyOffer", "marketSituation", "stcs.solar.collector", "stcs.weather"]

    private let buyOffers: [[String: Any]]
    private let marketSituations: [[String: Any]]
    private let encoder: AvroEncoder

    init(fixtures: URL, schema: AvroSchema) throws {
        func lines(_ name: String) throws -> [[String: Any]] {
            try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
                .split(separator: "\n")
                .compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        buyOffers = try lines("buyOffer.jsonl")
        marketSituations = try lines("marketSituation.jsonl")
        encoder = try AvroEncoder(schema: schema)
    }

    /// One round: a buy offer, a market situation (every fifth round) and two solar readings.
    func round(_ index: Int) throws -> [(topic: String, key: [UInt8]?, value: [UInt8])] {
        let now = ISO8601DateFormatter().string(from: Date())
        var offer = buyOffers[index % buyOffers.count]
        offer["timestamp"] = now
        var result: [(String, [UInt8]?, [UInt8])] = [
            ("buyOffer", Array(String(describing: offer["merchant_id"] ?? "").utf8), try json(offer)),
        ]
        if index % 5 == 0 {
            var situation = marketSituations[(index / 5) % marketSituations.count]
            situation["timestamp"] = now
            result.append(("marketSituation", nil, try json(situation)))
        }
        let t = Double(index)
        let seconds = Date().timeIntervalSince1970
        result.append(("stcs.solar.collector", nil, try encoder.encode(.record([
            ("timestamp", .double(seconds)),
            ("data", .map([
                (key: "collector_temp_in", value: .union(branch: 2, .float(Float(40 + 5 * sin(t / 10))))),
                (key: "collector_temp_out", value: .union(branch: 2, .float(Float(55 + 5 * sin(t / 10))))),
                (key: "pump_running", value: .union(branch: 5, .boolean(index % 20 < 15))),
                (key: "energy_wh", value: .union(branch: 3, .long(Int64(index) * 12))),
                (key: "status", value: .union(branch: 0, .string("ok"))),
            ])),
        ]))))
        result.append(("stcs.weather", nil, try encoder.encode(.record([
            ("timestamp", .double(seconds)),
            ("data", .map([
                (key: "outside_temp", value: .union(branch: 2, .float(Float(12 + 3 * cos(t / 30))))),
                (key: "irradiance", value: .union(branch: 4, .int(Int32(600 + (index * 7) % 200)))),
            ])),
        ]))))
        return result
    }

    /// A DataRecord with 10 map entries of mixed types (benchmark workload a).
    func benchAvro(_ index: Int) throws -> [UInt8] {
        var entries: [(key: String, value: AvroValue)] = []
        for field in 0..<10 {
            let value: AvroValue
            switch field % 5 {
            case 0: value = .union(branch: 2, .float(Float(index % 1000) / 10))
            case 1: value = .union(branch: 3, .long(Int64(index) * 31))
            case 2: value = .union(branch: 4, .int(Int32(index % 100_000)))
            case 3: value = .union(branch: 5, .boolean(index % 2 == 0))
            default: value = .union(branch: 0, .string("sensor-\(index % 97)"))
            }
            entries.append((key: "sensor_\(field)", value: value))
        }
        return try encoder.encode(.record([("timestamp", .double(1_700_000_000 + Double(index))), ("data", .map(entries))]))
    }

    /// A JSON object of about 300 bytes (benchmark workload b).
    func benchJSON(_ index: Int) -> [UInt8] {
        var text = "{\"amount\":1,\"consumer_id\":\"M+vLAIwHTf3zXqLi1rd/S9AjcOJFGHS2LwQN6p6V7nI=\",\"http_code\":200,"
        text += "\"left_in_stock\":\(index % 50),\"merchant_id\":\"p6ASDWlhsJAhTbv1EnJQu5g5zhyH+5s9xGAkmRYxKf8=\","
        text += "\"offer_id\":\(index % 1000),\"price\":\(Double(index % 5000) / 100),\"product_id\":\(index % 20),"
        text += "\"quality\":1,\"timestamp\":\"2018-03-16T10:01:00.000Z\",\"uid\":\(index)"
        text += ",\"pad\":\"" + String(repeating: "x", count: max(0, 299 - text.utf8.count - 3)) + "\"}"
        return Array(text.utf8)
    }

    private func json(_ object: [String: Any]) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }
}
