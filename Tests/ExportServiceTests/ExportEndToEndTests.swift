import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ExportService
import Kafka
import Testing
import TestSupport

/// exportd as a process, following a real ingestd on a real broker (Tansu), read by pandas the
/// way the Price Wars merchant client reads it.
@Suite(.serialized) struct ExportEndToEndTests {
    let broker: TansuBroker
    let producer: KafkaProducer
    let merchants: [ExportFixtures.Merchant]

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
        merchants = try ExportFixtures.merchants()
    }

    func startIngestd(_ group: String) async throws -> IngestdProcess {
        try producer.createTopics(["buyOffer", "marketSituation"])
        let ingestd = try IngestdProcess(broker: broker, group: group)
        try await ingestd.waitUntilReady()
        return ingestd
    }

    func send(_ topic: String, _ values: [[UInt8]]) throws {
        for value in values { try producer.send(topic: topic, value: value, timestamp: 1_521_194_460_000) }
        try producer.flush()
    }

    func waitForStored(_ exportd: ExportdProcess, _ count: Int, timeout: Double = 30) async throws {
        let stored = await eventually(timeout: timeout, interval: 0.1) {
            Int(await exportd.metric("export_records_stored_total") ?? 0) >= count
        }
        if !stored {
            Issue.record("exportd stored \(await exportd.metric("export_records_stored_total") ?? -1) of \(count) records; log:\n\(exportd.process.output.suffix(4000))")
        }
    }

    /// `GET /export/data/<path>` with the token; the download URL it answers.
    func exportURL(_ exportd: ExportdProcess, _ path: String, token: String) async throws -> String {
        let answer = try #require(await exportd.text("/export/data\(path)", token: token))
        #expect(answer.status == 200, "\(answer.body)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: String])
        let url = try #require(json["url"])
        #expect(url.hasPrefix("data/") && url.hasSuffix(".csv") && url.count == "data/".count + 32 + 4)
        return "http://127.0.0.1:\(exportd.port)/\(url)"
    }

    @Test func merchantsReadExactlyTheirRowsWithPandas() async throws {
        let ingestd = try await startIngestd("export-e2e")
        let offers = try ExportFixtures.lines("buyOffer.jsonl")
        let situations = try ExportFixtures.lines("marketSituation.jsonl")
        // Half the offers exist before exportd starts (they come by replay), the rest live.
        try send("buyOffer", Array(offers[..<6]))
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: try ExportFixtures.temporaryDirectory())
        try await exportd.waitUntilReady()
        try send("buyOffer", Array(offers[6...]))
        try send("marketSituation", situations)
        try await waitForStored(exportd, offers.count + situations.count)

        let offerValues = try offers.map { try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
        for merchant in merchants {
            let other = try #require(merchants.first { $0.merchant_id != merchant.merchant_id })
            // buyOffer: exactly this merchant's offers (every fixture offer is private), in order.
            let frame = try PandasClient.read(try await exportURL(exportd, "/buyOffer", token: merchant.merchant_token))
            let expected = offerValues.filter { ($0["merchant_id"] as? String) == merchant.merchant_id }
            #expect(frame.rows.count == expected.count)
            #expect(frame.timestampDtype.hasPrefix("datetime64"))
            #expect(frame.rows.map { $0["merchant_id"]?.string } == expected.map { $0["merchant_id"] as? String })
            #expect(frame.rows.map { $0["price"]?.number } == expected.map { $0["price"] as? Double })
            #expect(frame.rows.map { $0["timestamp"]?.string } == expected.map { $0["timestamp"] as? String })
            #expect(!frame.rows.contains { $0.values.contains(.string(other.merchant_id)) })

            // marketSituation: one row per offer of the two public situations, plus the two
            // situations beta triggered, for beta only.
            let situationFrame = try PandasClient.read(try await exportURL(exportd, "/marketSituation", token: merchant.merchant_token))
            let triggered = merchant.name == "beta"
            #expect(situationFrame.rows.count == (triggered ? 8 : 4))
            #expect(situationFrame.timestampDtype.hasPrefix("datetime64"))
            #expect(Set(situationFrame.rows.compactMap { $0["timestamp"]?.string }).count == (triggered ? 4 : 2))
            if triggered {
                #expect(situationFrame.columns.suffix(2) == ["timestamp", "triggering_merchant_id"])
                #expect(situationFrame.rows.filter { $0["triggering_merchant_id"]?.string == merchant.merchant_id }.count == 4)
            } else {
                #expect(!situationFrame.columns.contains("triggering_merchant_id"))
            }

            // All merchant topics in one CSV with a leading topic column.
            let all = try PandasClient.read(try await exportURL(exportd, "", token: merchant.merchant_token))
            #expect(all.columns.first == "topic")
            #expect(all.rows.count == expected.count + (triggered ? 8 : 4))
            #expect(all.rows.filter { $0["topic"]?.string == "buyOffer" }.count == expected.count)
        }

        // The merchant client's download_topic_data, with its host as configured, with and
        // without the trailing slash the management UI's origin has (paths then start with //).
        let alpha = merchants[0]
        for host in ["http://127.0.0.1:\(exportd.port)", "http://127.0.0.1:\(exportd.port)/"] {
            let own = try #require(try PandasClient.downloadTopicData(host: host, topic: "buyOffer", token: alpha.merchant_token))
            #expect(own.rows.count == offerValues.filter { ($0["merchant_id"] as? String) == alpha.merchant_id }.count)
            #expect(own.timestampDtype.hasPrefix("datetime64"))
            // A token with no private rows (every fixture offer is private): an empty file, None.
            #expect(try PandasClient.downloadTopicData(host: host, topic: "buyOffer", token: "unknownMerchantToken") == nil)
            // No token at all (the management UI's data page): the public rows only.
            let anonymous = try #require(try PandasClient.downloadTopicData(host: host, topic: "marketSituation", token: nil))
            #expect(anonymous.rows.count == 4)
            #expect(!anonymous.columns.contains("triggering_merchant_id"))
        }

        // The token is the header's last word, whatever the scheme.
        for header in ["Bearer \(alpha.merchant_token)", "Basic \(alpha.merchant_token)", alpha.merchant_token] {
            #expect(await exportd.get("/export/data/buyOffer", headers: ["Authorization": header])?.status == 200)
        }

        // Streamed CSV with since/until, and gzip.
        let streamed = try #require(await exportd.get("/export/data/buyOffer.csv?since=2018-03-16T10:01:30Z&until=2018-03-16T10:03:00.000Z",
                                                      headers: ["Authorization": "Token \(alpha.merchant_token)"]))
        #expect(streamed.status == 200)
        #expect(streamed.headers["content-type"]?.hasPrefix("text/csv") == true)
        let streamedTimes = offerValues.filter { ($0["merchant_id"] as? String) == alpha.merchant_id }
            .compactMap { $0["timestamp"] as? String }
            .filter { $0 >= "2018-03-16T10:01:30" && $0 <= "2018-03-16T10:03:00.000Z" }
        #expect(String(decoding: streamed.body, as: UTF8.self).csvLines.count == streamedTimes.count + 1)
        #expect(await exportd.get("/export/data/buyOffer.csv?since=yesterday", headers: ["Authorization": "Token x"])?.status == 400)
        for columns in ["a,a", "a,,b", String(repeating: "x,", count: 300) + "y"] {
            #expect(await exportd.get("/export/data/buyOffer.csv?columns=\(columns)")?.status == 400, "\(columns.prefix(20))")
            #expect(await exportd.get("/export/data/buyOffer?columns=\(columns)")?.status == 400)
        }
        let picked = try #require(await exportd.text("/export/data/buyOffer.csv?columns=timestamp,amount", token: alpha.merchant_token))
        #expect(picked.status == 200 && picked.body.split(separator: "\n").first == "timestamp,amount", "\(picked.body.prefix(200))")
        try checkGzip(exportd, token: alpha.merchant_token)

        // Anonymous requests (no header, an empty token) are served public rows, as the
        // original; the streamed form of buyOffer (all private) is then empty.
        for headers in [[:], ["Authorization": ""], ["Authorization": "Token "]] {
            let answer = try #require(await exportd.get("/export/data/buyOffer", headers: headers))
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "application/json")
            #expect(await exportd.get("/export/data", headers: headers)?.status == 200)
            let streamedEmpty = try #require(await exportd.get("/export/data/buyOffer.csv", headers: headers))
            #expect(streamedEmpty.status == 200 && streamedEmpty.body.isEmpty)
        }
        for path in ["/export/data/unknown", "/export/data/unknown.csv", "/export/data/_schemas"] {
            let answer = try #require(await exportd.text(path, token: alpha.merchant_token))
            #expect(answer.status == 404)
            #expect(answer.body == #"{"error":"unknown topic"}"#)
        }
        // Traversal and guessed names never reach a file.
        let url = try await exportURL(exportd, "/buyOffer", token: alpha.merchant_token)
        let id = String(url.suffix(36).prefix(32))
        let download = try #require(await exportd.get("/data/\(id).csv"))
        #expect(download.status == 200)
        // As the Price Wars proxy's file download: sent with its length, not in chunks.
        #expect(download.headers["content-length"] == String(download.body.count) && !download.body.isEmpty)
        #expect(download.headers["transfer-encoding"] == nil)
        for path in ["/data/..%2Ftopics%2F\(id).csv", "/data/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/data/\(id.uppercased()).csv",
                     "/data/\(id)", "/data/\(id).csv.tmp", "/data/dump.csv", "/data/00000000000000000000000000000000.csv",
                     "/data/../topics/\(id).csv"] {
            #expect(await exportd.get(path)?.status == 404, "\(path)")
        }
        let unknownRoute = try #require(await exportd.get("/no/such/route"))
        #expect(unknownRoute.status == 404 && unknownRoute.headers["content-type"] == "application/json")
        // /topics: a JSON array, as the original; also at //topics.
        for path in ["/topics", "//topics"] {
            let topics = try #require(await exportd.text(path))
            let names = try JSONSerialization.jsonObject(with: Data(topics.body.utf8)) as? [String]
            #expect(names == ExportConfiguration().merchantTopics, "\(path)")
        }
        // CORS on every route, preflights included: any origin echoed with credentials.
        let origin = "http://ui.example:8080"
        for path in ["/topics", "/export/data/buyOffer", "/no/such/route", "/health"] {
            let answer = try #require(await exportd.get(path, headers: ["Origin": origin]))
            #expect(answer.headers["access-control-allow-origin"] == origin, "\(path)")
            #expect(answer.headers["access-control-allow-credentials"] == "true", "\(path)")
        }
        let preflight = try #require(await exportd.request("OPTIONS", "/export/data/buyOffer", headers: [
            "Origin": origin, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"]))
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-origin"] == origin)
        #expect(preflight.headers["access-control-allow-headers"]?.lowercased().contains("authorization") == true)
        #expect(!exportd.process.output.contains(alpha.merchant_token))
        #expect(!exportd.process.output.contains(merchants[1].merchant_token))
        exportd.process.stop()
        ingestd.process.stop()
    }

    /// `?filter=` on both forms over HTTP (issue 19): the streamed CSV and the two-step file hold
    /// the same rows, those of this merchant's records that pass (key, value, offset), with
    /// `?columns=`; text and JSON forms, `+` as a space; refused filters answer 400 with their
    /// code and byte position.
    @Test func filtersOnBothExportForms() async throws {
        let ingestd = try await startIngestd("export-filter")
        let offers = try ExportFixtures.lines("buyOffer.jsonl")
        for (index, value) in offers.enumerated() {
            try producer.send(topic: "buyOffer", key: Array("shop-\(index % 3)".utf8), value: value, timestamp: 1_521_194_460_000)
        }
        try producer.flush()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: try ExportFixtures.temporaryDirectory())
        try await exportd.waitUntilReady()
        try await waitForStored(exportd, offers.count)
        let alpha = merchants[0]
        let values = try offers.map { try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
        func encoded(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics)! }
        func offerIDs(_ body: String) -> [String] { body.csvLines.dropFirst().map { String($0.split(separator: ",")[0]) } }

        let expected = values.enumerated().filter { index, value in
            value["merchant_id"] as? String == alpha.merchant_id && (value["price"] as? Double ?? 0) >= 36 && index % 3 == 1
        }.map { "\($0.element["offer_id"] as! Int)" }
        #expect(!expected.isEmpty)
        let text = #"value.price >= 36 and key prefix "shop-1""#
        let json = #"{"and": [{"field": "value.price", "op": ">=", "value": 36}, {"field": "key", "op": "=", "value": "shop-1"}]}"#
        for query in ["filter=\(encoded(text))", "filter=\(encoded(json))", "filter=value.price+%3E%3D+36+and+key+prefix+%22shop-1%22"] {
            let streamed = try #require(await exportd.text("/export/data/buyOffer.csv?\(query)&columns=offer_id,price", token: alpha.merchant_token))
            #expect(streamed.status == 200 && streamed.body.csvLines.first == "offer_id,price", "\(streamed.body.prefix(300))")
            #expect(offerIDs(streamed.body) == expected, "\(query)")
            let url = try await exportURL(exportd, "/buyOffer?\(query)&columns=offer_id,price", token: alpha.merchant_token)
            let (file, _) = try await URLSession.shared.data(from: try #require(URL(string: url)))
            #expect(String(decoding: file, as: UTF8.self) == streamed.body)
        }
        // Partition, offset and the Kafka timestamp; the all-topics form takes the filter too.
        let early = try #require(await exportd.text("/export/data/buyOffer.csv?filter=\(encoded("offset < 6 and timestamp = 1521194460000"))",
                                                    token: alpha.merchant_token))
        #expect(early.body.csvLines.count - 1 == values.prefix(6).filter { $0["merchant_id"] as? String == alpha.merchant_id }.count)
        #expect(try await exportURL(exportd, "?filter=\(encoded("partition = 0"))", token: alpha.merchant_token).hasSuffix(".csv"))
        // A filter never shows another merchant's rows; anonymous exports stay public (none here).
        let others = try #require(await exportd.text("/export/data/buyOffer.csv?filter=\(encoded("value.merchant_id != \"\(alpha.merchant_id)\""))",
                                                     token: alpha.merchant_token))
        #expect(others.status == 200 && others.body.isEmpty)
        #expect(try #require(await exportd.text("/export/data/buyOffer.csv?filter=\(encoded("offset >= 0"))")).body.isEmpty)

        // Refused filters: 400, the filter error's code and byte position, on both forms.
        let refused: [(String, String, Int?)] = [
            ("value.price >", "syntax", nil), ("headers.x = 1", "unknown-field", 0),
            (String(repeating: "not ", count: 40) + "offset = 1", "too-deep", nil),
            (String(repeating: "a", count: 5000), "too-long", 4096),
            ("offset in [" + (0..<300).map(String.init).joined(separator: ",") + "]", "too-many-items", nil),
        ]
        for (filter, code, position) in refused {
            for path in ["/export/data/buyOffer.csv", "/export/data/buyOffer"] {
                let answer = try #require(await exportd.text("\(path)?filter=\(encoded(filter))", token: alpha.merchant_token))
                #expect(answer.status == 400, "\(path) \(filter.prefix(30))")
                let body = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
                #expect(body["code"] as? String == code, "\(answer.body)")
                #expect(body["position"] is Int && (position == nil || body["position"] as? Int == position), "\(answer.body)")
            }
        }
        // A value that is not percent-encoded UTF-8, sent as is (URLSession would escape it).
        let port = exportd.port
        let head = try await RawConnection.onThread { () -> String? in
            let connection = try RawConnection(port: port)
            defer { connection.close() }
            _ = connection.send("GET /export/data/buyOffer.csv?filter=%ZZ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return connection.readHead(timeout: 5)
        }
        #expect(head?.hasPrefix("HTTP/1.1 400") == true, "\(head ?? "no answer")")
        #expect(await exportd.metric(#"export_filters_refused_total{code="too-deep"}"#) == 2)
        #expect(await exportd.metric(#"export_filters_refused_total{code="encoding"}"#) == 1)
        #expect((await exportd.metric("export_filtered_requests_total") ?? 0) >= 9)
        exportd.process.stop()
        ingestd.process.stop()
    }

    /// Fetches the streamed CSV with and without gzip (Python urllib: no automatic decoding).
    func checkGzip(_ exportd: ExportdProcess, token: String) throws {
        let script = """
        import gzip, sys, urllib.request
        url = sys.argv[1]
        plain = urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Token " + sys.argv[2]})).read()
        answer = urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": "Token " + sys.argv[2], "Accept-Encoding": "gzip"}))
        assert answer.headers["Content-Encoding"] == "gzip", answer.headers
        body = answer.read()
        assert gzip.decompress(body) == plain, "gzip body differs"
        assert len(plain.splitlines()) > 1
        print("ok")
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TestEnvironment.require(TestEnvironment.python))
        process.arguments = ["-c", script, "http://127.0.0.1:\(exportd.port)/export/data/buyOffer.csv", token]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && text.contains("ok"), "\(text)")
    }

    @Test func killedExportdLosesNothingAndDuplicatesNothing() async throws {
        let ingestd = try await startIngestd("export-kill")
        let directory = try ExportFixtures.temporaryDirectory()
        let port = freeLoopbackPort()
        var exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, port: port)
        try await exportd.waitUntilReady()
        let alpha = merchants[0]
        let total = 3000
        func value(_ n: Int) -> [UInt8] {
            let owner = n % 2 == 0 ? "" : #","merchant_id":"\#(alpha.merchant_id)""#
            return Array(#"{"n":\#(n)\#(owner),"timestamp":"2018-03-16T10:00:00.000Z"}"#.utf8)
        }
        let producer = self.producer
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for n in 0..<total {
                    try producer.send(topic: "buyOffer", value: value(n))
                    if n % 100 == 99 {
                        try producer.flush()
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
                try producer.flush()
            }
            // Kill exportd while records flow, then restart it on the same data directory.
            let flowing = await eventually(timeout: 30, interval: 0.02) {
                Int(await exportd.metric("export_records_stored_total") ?? 0) >= 300
            }
            #expect(flowing)
            exportd.process.stop(signal: SIGKILL)
            try await Task.sleep(for: .milliseconds(500))  // records keep coming while it is down
            exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, port: port)
            try await group.waitForAll()
        }
        try await exportd.waitUntilReady()
        let complete = await eventually(timeout: 30, interval: 0.2) {
            let csv = await exportd.text("/export/data/buyOffer.csv", token: alpha.merchant_token)?.body ?? ""
            return csv.csvLines.count >= total + 1
        }
        #expect(complete, "log:\n\(exportd.process.output.suffix(3000))")
        let csv = try #require(await exportd.text("/export/data/buyOffer.csv", token: alpha.merchant_token)?.body)
        let lines = csv.csvLines
        #expect(lines.first == "n,timestamp,merchant_id")
        let numbers = lines.dropFirst().compactMap { Int($0.split(separator: ",")[0]) }
        #expect(numbers == Array(0..<total), "first difference at \(zip(numbers, 0...).first { $0.0 != $0.1 }.map { "\($0)" } ?? "end")")
        // The other merchant sees only the public half.
        let publicRows = try #require(await exportd.text("/export/data/buyOffer.csv", token: merchants[1].merchant_token)?.body)
        #expect(publicRows.csvLines.dropFirst().compactMap { Int($0.split(separator: ",")[0]) } == Array(stride(from: 0, to: total, by: 2)))
        exportd.process.stop()
        ingestd.process.stop()
    }

    @Test func ingestdRestartIsFollowedWithoutLossOrDuplicate() async throws {
        try producer.createTopics(["buyOffer", "marketSituation"])
        let ports = (http: freeLoopbackPort(), publish: freeLoopbackPort(), snapshot: freeLoopbackPort())
        var ingestd = try IngestdProcess(broker: broker, group: "export-ingest-restart", ports: ports)
        try await ingestd.waitUntilReady()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: try ExportFixtures.temporaryDirectory())
        try await exportd.waitUntilReady()
        func values(_ range: Range<Int>) -> [[UInt8]] { range.map { Array(#"{"n":\#($0)}"#.utf8) } }
        try send("buyOffer", values(0..<200))
        try await waitForStored(exportd, 200)
        // ingestd goes away; records are produced meanwhile; a new ingestd (new epoch) comes back.
        #expect(ingestd.process.stop(signal: SIGTERM, timeout: 10) == 0)
        try send("buyOffer", values(200..<400))
        ingestd = try IngestdProcess(broker: broker, group: "export-ingest-restart", ports: ports)
        try await ingestd.waitUntilReady()
        try send("buyOffer", values(400..<500))
        try await waitForStored(exportd, 500, timeout: 60)
        let csv = try #require(await exportd.text("/export/data/buyOffer.csv", token: "anyToken")?.body)
        #expect(csv.csvLines.dropFirst().compactMap { Int($0.split(separator: ",")[0]) } == Array(0..<500))
        #expect(Int(await exportd.metric("export_records_stored_total") ?? 0) == 500)
        exportd.process.stop()
        ingestd.process.stop()
    }

    /// Issue 17: the two steps' download is what the streamed export gave when the URL was
    /// answered (same bytes with `?columns=` and `?filter=`, rows arriving in between left out),
    /// with the headers of a file, also after exportd was killed and restarted in between.
    @Test func twoStepDownloadIsTheExportAsItWasAsked() async throws {
        let ingestd = try await startIngestd("export-two-step")
        let directory = try ExportFixtures.temporaryDirectory()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory)
        try await exportd.waitUntilReady()
        let alpha = merchants[0]
        func value(_ n: Int) -> [UInt8] {
            let owner = n % 2 == 1 ? #","merchant_id":"\#(alpha.merchant_id)""# : ""
            let late = n >= 20 ? #","late":"a,b""# : ""
            return Array(#"{"n":\#(n)\#(owner)\#(late)}"#.utf8)
        }
        try send("buyOffer", (0..<20).map(value))
        try await waitForStored(exportd, 20)
        let headers = ["Authorization": "Token \(alpha.merchant_token)"]
        var asked: [(path: String, body: Data)] = []
        for query in ["", "?columns=timestamp,n,none", "?filter=value.n%20%3E%3D%205", "?filter=value.n%20%3E%20100"] {
            let streamed = try #require(await exportd.get("/export/data/buyOffer.csv\(query)", headers: headers))
            #expect(streamed.status == 200)
            let url = try await exportURL(exportd, "/buyOffer\(query)", token: alpha.merchant_token)
            asked.append((String(url.dropFirst("http://127.0.0.1:\(exportd.port)".count)), streamed.body))
        }
        #expect(asked[0].body.count > 100 && asked[3].body.isEmpty)
        try send("buyOffer", (20..<30).map(value))
        try await waitForStored(exportd, 30)
        for (path, body) in asked {
            let answer = try #require(await exportd.get(path))
            #expect(answer.status == 200)
            #expect(answer.body == body, "\(path): \(String(decoding: answer.body, as: UTF8.self))")
            #expect(answer.headers["content-type"] == "text/csv; charset=utf-8")
            #expect(answer.headers["content-disposition"] == "attachment; filename=\"\(path.dropFirst("/data/".count))\"")
        }
        // A restart between the two requests, even after SIGKILL, keeps the URLs (their
        // descriptions are under exports/, their rows in the journal).
        exportd.process.stop(signal: SIGKILL)
        let restarted = try ExportdProcess(ingestd: ingestd, dataDirectory: directory)
        try await restarted.waitUntilReady()
        for (path, body) in asked {
            let answer = try #require(await restarted.get(path))
            #expect(answer.status == 200 && answer.body == body, "\(path) after a restart")
        }
        #expect(await restarted.get("/data/\(ExportFileRegistry.newID()).csv")?.status == 404)
        restarted.process.stop()
        ingestd.process.stop()
    }

    @Test func rowBoundAndFileExpiry() async throws {
        let ingestd = try await startIngestd("export-bound")
        let directory = try ExportFixtures.temporaryDirectory()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory,
                                         environment: ["EXPORT_MAX_ROWS": "50", "EXPORT_FILE_TTL": "3"])
        try await exportd.waitUntilReady()
        let alpha = merchants[0]
        let values: [[UInt8]] = (0..<300).map { n in
            let owner = n % 3 == 0 ? #","merchant_id":"\#(alpha.merchant_id)""# : ""
            return Array(#"{"n":\#(n)\#(owner)}"#.utf8)
        }
        try send("buyOffer", values)
        try await waitForStored(exportd, values.count)
        let url = try await exportURL(exportd, "/buyOffer", token: alpha.merchant_token)
        let frame = try PandasClient.read(url)
        #expect(frame.rows.compactMap { $0["n"]?.number.map(Int.init) } == Array(250..<300))
        let publicFrame = try PandasClient.read(try await exportURL(exportd, "/buyOffer", token: merchants[1].merchant_token))
        #expect(publicFrame.rows.compactMap { $0["n"]?.number.map(Int.init) } == Array((0..<300).filter { $0 % 3 != 0 }.suffix(50)))

        // Files expire after EXPORT_FILE_TTL and are deleted.
        let path = try #require(URL(string: try await exportURL(exportd, "/buyOffer", token: alpha.merchant_token))).path
        let id = String(path.dropFirst("/data/".count).prefix(32))
        // A pending export: its description, not its rows, is on disk.
        #expect(FileManager.default.fileExists(atPath: directory + "/exports/\(id).export"))
        let expired = await eventually(timeout: 10, interval: 0.2) { await exportd.get(path)?.status == 404 }
        #expect(expired)
        let deleted = await eventually(timeout: 10, interval: 0.2) {
            !FileManager.default.fileExists(atPath: directory + "/exports/\(id).export")
        }
        #expect(deleted)
        // SIGTERM: graceful stop, exit status 0.
        #expect(exportd.process.stop(signal: SIGTERM, timeout: 10) == 0)
        ingestd.process.stop()
    }
}
