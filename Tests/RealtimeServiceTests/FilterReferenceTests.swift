import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 19: one filter language, the same rows everywhere. Randomized filters over randomized
/// records, through real processes and clients, against a Python reference evaluator written
/// from docs/filters.md (`Clients/filter_reference.py`): a python-socketio client subscribed with
/// each filter gets exactly the matching records in its subscription's history and live, and
/// exportd's export with the same filter holds exactly their rows. Records carry random Kafka
/// headers (repeated names, null, empty and non-UTF-8 values) and filters read `header.<name>`.
@Suite(.serialized) struct FilterReferenceTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// A record as produced: its key and value JSON, its headers and its place.
    struct Produced {
        var key: Any
        var value: [String: Any]
        var offset: Int
        var timestamp: Int
        var headers: [KafkaHeader] = []

        /// The headers as the reference reads them: [name, UTF-8 text, null or {"hex": ...}].
        var referenceHeaders: [[Any]] {
            headers.map { header in
                guard let value = header.value else { return [header.name, NSNull()] }
                guard let text = String(validating: value, as: UTF8.self) else {
                    return [header.name, ["hex": value.map { String(format: "%02x", $0) }.joined()]]
                }
                return [header.name, text]
            }
        }
    }

    static let headerNames = ["src", "x-tag", "Src"]

    /// Zero to three headers: repeated names, null, empty and non-UTF-8 values.
    static func headers(_ random: inout SplitMix64) -> [KafkaHeader] {
        let values: [[UInt8]?] = shops.map { Array($0.utf8) } + [nil, [0xff, 0x73]]
        return (0..<Int.random(in: 0...3, using: &random)).map { _ in
            KafkaHeader(name: headerNames.randomElement(using: &random)!, value: values.randomElement(using: &random)!)
        }
    }

    static let shops = ["s1", "s2", "s10", "S1", "é-shop", ""]
    static let fields = ["value.shop", "value.price", "value.flag", "value.meta.level", "value.meta.name", "value.tags.0",
                         "value.maybe", "value.n", "value.absent", "key", "offset", "timestamp", "partition", "value.meta",
                         "header.src", "header.x-tag", "header.Src", "header.absent"]

    static func value(_ n: Int, _ random: inout SplitMix64) -> [String: Any] {
        var value: [String: Any] = ["n": n]
        if Bool.random(using: &random) { value["shop"] = shops.randomElement(using: &random)! }
        if Bool.random(using: &random) {
            value["price"] = Bool.random(using: &random) ? Int.random(in: -5...50, using: &random) : Double(Int.random(in: -100...500, using: &random)) / 8
        }
        if Bool.random(using: &random) { value["flag"] = Bool.random(using: &random) }
        if Bool.random(using: &random) {
            value["meta"] = ["level": Int.random(in: 0...3, using: &random), "name": shops.randomElement(using: &random)!]
        }
        if Int.random(in: 0..<3, using: &random) == 0 { value["tags"] = [shops.randomElement(using: &random)!, "x"] }
        if Int.random(in: 0..<4, using: &random) == 0 { value["maybe"] = NSNull() }
        return value
    }

    static func operand(_ random: inout SplitMix64) -> Any {
        switch Int.random(in: 0..<6, using: &random) {
        case 0: return shops.randomElement(using: &random)!
        case 1: return Int.random(in: -5...60, using: &random)
        case 2: return Double(Int.random(in: -40...400, using: &random)) / 8
        case 3: return Bool.random(using: &random)
        case 4: return NSNull()
        default: return "k\(Int.random(in: 0..<5, using: &random))"
        }
    }

    static func filter(_ random: inout SplitMix64, depth: Int = 0) -> [String: Any] {
        let kind = depth >= 2 ? 0 : Int.random(in: 0..<6, using: &random)
        switch kind {
        case 3: return ["and": (0..<Int.random(in: 1...3, using: &random)).map { _ in filter(&random, depth: depth + 1) }]
        case 4: return ["or": (0..<Int.random(in: 1...3, using: &random)).map { _ in filter(&random, depth: depth + 1) }]
        case 5: return ["not": filter(&random, depth: depth + 1)]
        default:
            let op = ["=", "!=", "<", "<=", ">", ">=", "in", "prefix"].randomElement(using: &random)!
            var field = fields.randomElement(using: &random)!
            if field == "offset" && ["<", "<=", ">", ">="].contains(op) { field = "offset" }
            let value: Any = op == "in" ? (0..<Int.random(in: 1...3, using: &random)).map { _ in operand(&random) }
                : op == "prefix" ? String(shops.randomElement(using: &random)!.prefix(Int.random(in: 0...2, using: &random)))
                : field == "offset" ? Int.random(in: 0..<120, using: &random)
                : field.hasPrefix("header.") && Bool.random(using: &random) ? shops.randomElement(using: &random)! : operand(&random)
            return ["field": field, "op": op, "value": value]
        }
    }

    static func json(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.fragmentsAllowed]), as: UTF8.self)
    }

    /// The reference's selection: per filter, the offsets of the matching records.
    static func reference(_ filters: [[String: Any]], _ records: [Produced]) throws -> [[Int]] {
        let input = try json(["filters": filters, "records": records.map {
            ["key": $0.key, "value": $0.value, "partition": 0, "offset": $0.offset, "timestamp": $0.timestamp,
             "headers": $0.referenceHeaders] as [String: Any]
        }])
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Clients/filter_reference.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.require(TestEnvironment.python))
        process.arguments = [script.path]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let result = try #require(try JSONSerialization.jsonObject(with: output) as? [String: [[Int]]])
        return try #require(result["matches"]).map { $0.map { records[$0].offset } }
    }

    /// The rows of CSV text (quoted cells with `""` escapes, line breaks inside quotes).
    static func csv(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], cell = "", quoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { cell.append("\""); characters.removeFirst() } else { quoted = false }
                } else {
                    cell.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                row.append(cell); cell = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(cell); rows.append(row); row = []; cell = ""
            } else if character != "\r" {
                cell.append(character)
            }
        }
        if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
        return rows
    }

    @Test func liveHistoryAndExportSelectWhatThePythonReferenceSelects() async throws {
        let seed = FuzzSettings.seed(UInt64.random(in: 0...UInt64.max))
        var random = SplitMix64(seed: seed)
        try producer.createTopics(["orders"])
        let ingestd = try IngestdProcess(broker: broker, group: "filter-reference", environment: ["TOPIC_FORMATS": ".*=json"])
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "filter-reference", environment: ["HISTORY_SIZE": "500"])
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("filter-reference-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: data.path, environment: ["MERCHANT_TOPICS": "orders"])
        try await realtimed.waitUntilReady()
        try await exportd.waitUntilReady()

        var records: [Produced] = []
        func produce(_ count: Int) throws {
            for _ in 0..<count {
                let n = records.count
                let record = Produced(key: "k\(n % 5)", value: Self.value(n, &random), offset: n, timestamp: 1_700_000_000_000 + n,
                                      headers: Self.headers(&random))
                records.append(record)
                try producer.send(topic: "orders", key: Array(try Self.json(record.key).utf8), value: Array(try Self.json(record.value).utf8),
                                  partition: 0, timestamp: Int64(record.timestamp), headers: record.headers)
            }
            try producer.flush()
        }
        try produce(80)
        let loaded = await eventually(timeout: 30) {
            guard let body = await realtimed.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: [String: Any]] else { return false }
            return status["orders"]?["records_seen"] as? Int == 80
        }
        #expect(loaded, "seed \(seed)")

        // Random filters, and header filters that always select some records and leave some out.
        let filters = (0..<8).map { _ in Self.filter(&random) } + [
            ["field": "header.src", "op": "=", "value": "s1"],
            ["or": [["field": "header.x-tag", "op": "prefix", "value": "s"], ["field": "header.Src", "op": "=", "value": NSNull()]]],
            ["and": [["field": "header.src", "op": "!=", "value": "s2"], ["not": ["field": "value.n", "op": "<", "value": 40]]]],
        ]
        let clients = try filters.map { filter in
            try RealtimeTestClient(.python5, url: realtimed.url, events: ["orders"],
                                   actions: [["emit": "subscribe", "args": [["topics": ["orders"], "filter": filter]]]])
        }
        func numbers(_ payloads: [Any]) -> [Int] {
            payloads.compactMap { (RealtimeTestClient.record($0)?["value"] as? [String: Any])?["n"] as? Int }
        }
        var history: [[Int]] = []
        for client in clients {
            let observed = try await client.waitFor("subscribe ack") { $0.contains { $0.event == "$ack" } }
            let ack = try #require(observed.first { $0.event == "$ack" }?.payload as? [String: Any], "seed \(seed)")
            let state = (ack["state"] as? [String: [String: Any]])?["orders"]
            #expect(ack["error"] == nil, "\(ack) seed \(seed)")
            history.append(numbers(state?["history"] as? [Any] ?? []))
        }
        try produce(40)
        let expected = try Self.reference(filters, records)
        for index in 8..<filters.count {
            #expect(!expected[index].isEmpty && expected[index].count < records.count,
                    "header filter \(index) selects \(expected[index].count) of \(records.count); seed \(seed)")
        }
        let texts = try filters.map(Self.json)
        for (index, client) in clients.enumerated() {
            let live = expected[index].filter { $0 >= 80 }
            // Events before the ack are the connect-time history: the live ones come after it.
            func liveNumbers(_ observations: [RealtimeTestClient.Observation]) -> [Int] {
                numbers(observations.drop { $0.event != "$ack" }.filter { $0.event == "orders" }.compactMap(\.payload))
            }
            do {
                try await client.waitFor("live records of filter \(index)") { liveNumbers($0) == live }
            } catch {
                Issue.record("live of \(texts[index]): expected \(live), got \(liveNumbers(client.observations)); seed \(seed)")
            }
            #expect(history[index] == expected[index].filter { $0 < 80 },
                    "history of \(texts[index]) seed \(seed)")
        }
        let stored = await eventually(timeout: 30) { Int(await exportd.metric("export_records_stored_total") ?? 0) >= 120 }
        #expect(stored)
        for (index, text) in texts.enumerated() {
            var query = URLComponents()
            query.queryItems = [URLQueryItem(name: "filter", value: text)]
            let encoded = (query.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
            let answer = try #require(await exportd.text("/export/data/orders.csv?" + encoded))
            let body: String = answer.body
            #expect(answer.status == 200, "\(body)")
            let table = Self.csv(body)
            let column = table.first?.firstIndex(of: "n") ?? 0
            let exported = table.dropFirst().compactMap { $0.count > column ? Int($0[column]) : nil }
            #expect(exported == expected[index], "export of \(text) seed \(seed)")
        }
    }
}
