import Avro

/// The records of the ingest benchmark (`scripts/bench-ingest`, `--preload`).
struct BenchmarkRecords {
    private let encoder: AvroEncoder

    init(schema: AvroSchema) throws {
        encoder = try AvroEncoder(schema: schema)
    }

    /// A DataRecord with 10 map entries of mixed types (benchmark workload a).
    func avro(_ index: Int) throws -> [UInt8] {
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
    func json(_ index: Int) -> [UInt8] {
        var text = "{\"amount\":1,\"consumer_id\":\"M+vLAIwHTf3zXqLi1rd/S9AjcOJFGHS2LwQN6p6V7nI=\",\"http_code\":200,"
        text += "\"left_in_stock\":\(index % 50),\"merchant_id\":\"p6ASDWlhsJAhTbv1EnJQu5g5zhyH+5s9xGAkmRYxKf8=\","
        text += "\"offer_id\":\(index % 1000),\"price\":\(Double(index % 5000) / 100),\"product_id\":\(index % 20),"
        text += "\"quality\":1,\"timestamp\":\"2018-03-16T10:01:00.000Z\",\"uid\":\(index)"
        text += ",\"pad\":\"" + String(repeating: "x", count: max(0, 299 - text.utf8.count - 3)) + "\"}"
        return Array(text.utf8)
    }
}
