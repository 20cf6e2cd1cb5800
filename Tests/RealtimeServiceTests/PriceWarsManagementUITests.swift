import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Kafka
import Testing
import TestSupport

/// Issues 10 and 13: the Price Wars management UI's client behaviour, unchanged, against a
/// default deployment: straight against realtimed and exportd, and through the deployment's own
/// HAProxy configuration on its Price Wars origin (port 8001 there). The page is ours and does
/// what the UI (AngularJS, socket.io-client 1.7.2) does: `kafka_proxy` with a trailing slash,
/// credentialed cross-origin polling XHRs decoded with `String.fromCharCode.apply`, events
/// passed through `angular.fromJson` (history arrays as they are, live events as JSON strings),
/// a loading state that waits for every chart's history, and the data page: `/topics`, then
/// "Get CSV" with no token.
@Suite(.serialized) struct PriceWarsManagementUITests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// The UI's dashboard charts: the event of each, and the chart (graph id) it fills.
    static let charts: [(topic: String, graph: Int)] = [
        ("buyOffer", 0), ("profit", 1), ("cumulativeRevenueBasedMarketshare", 2),
        ("profitPerMinute", 3), ("revenuePerMinute", 3), ("revenuePerHour", 4),
    ]
    /// Topics given records before the page loads; `revenuePerHour` stays empty (its chart
    /// must still load, from an empty history).
    static let filled = ["buyOffer", "profit", "cumulativeRevenueBasedMarketshare", "profitPerMinute", "revenuePerMinute"]
    static let recordsPerTopic = 150

    static let page = #"""
        <!doctype html><html><head><meta charset="utf-8"><title>Price Wars management UI (stand-in)</title>
        <style>body{font:14px sans-serif;margin:16px} td,th{border:1px solid #ccc;padding:4px 8px} table{border-collapse:collapse}</style>
        </head><body>
        <h3>Dashboard <span id="state">Loading…</span></h3>
        <table id="charts"><tr><th>event</th><th>history</th><th>live</th></tr></table>
        <h3>Data export</h3><div id="export">waiting</div>
        <script>
        const params = new URLSearchParams(location.search);
        const kafkaProxy = params.get('proxy');            // as env.json: with a trailing slash
        const exportProxy = params.get('export') || kafkaProxy;
        const CHARTS = __CHARTS__;
        const graphs = [false, false, false, false, false];
        const counts = {};
        function post(object) {
          const x = new XMLHttpRequest();
          x.open('POST', '/report');
          x.send(JSON.stringify(object));
        }
        function render() {
          const table = document.getElementById('charts');
          table.innerHTML = '<tr><th>event</th><th>history</th><th>live</th></tr>' +
            CHARTS.map(([topic]) => '<tr><td>' + topic + '</td><td>' + (counts[topic] ? counts[topic].history : '…') +
              '</td><td>' + (counts[topic] ? counts[topic].live : 0) + '</td></tr>').join('');
        }
        // socket.io-client 1.7.2 connects to the origin of kafka_proxy; engine path /socket.io/.
        const base = kafkaProxy.replace(/\/+$/, '') + '/socket.io/?id=mgmt-ui&EIO=3&transport=polling';
        function utf8decode(byteString) { return decodeURIComponent(escape(byteString)); }
        // engine.io-parser 1.x decodePayloadAsBinary: each string packet through fromCharCode.apply.
        function decodeBinaryPayload(buffer) {
          const bytes = new Uint8Array(buffer);
          const packets = [];
          let at = 0;
          while (at < bytes.length) {
            const isString = bytes[at] === 0;
            let length = '';
            let i = at + 1;
            for (; bytes[i] !== 255; i++) { if (i >= bytes.length || length.length > 310) throw 'parser error'; length += bytes[i]; }
            const n = parseInt(length, 10);
            const body = bytes.subarray(i + 1, i + 1 + n);
            if (!isString) throw 'unexpected binary packet';
            let text;
            try { text = String.fromCharCode.apply(null, body); } catch (e) {
              text = ''; for (let k = 0; k < body.length; k++) text += String.fromCharCode(body[k]);
            }
            packets.push(utf8decode(text));
            at = i + 1 + n;
          }
          return packets;
        }
        // engine.io-client 1.x polling-xhr onLoad for other bodies: fromCharCode.apply on the
        // whole body (its fallback applies too, so a large body fails as 'xhr poll error').
        function decodeTextPayload(buffer) {
          const data = String.fromCharCode.apply(null, new Uint8Array(buffer));
          const packets = [];
          let length = '';
          for (let i = 0; i < data.length; i++) {
            const chr = data.charAt(i);
            if (chr !== ':') { length += chr; continue; }
            const n = Number(length);
            const msg = data.substr(i + 1, n);
            if (length === '' || length != n || length != msg.length) throw 'parser error';
            packets.push(utf8decode(msg));
            i += n;
            length = '';
          }
          return packets;
        }
        function request(method, url, body) {
          return new Promise((resolve, reject) => {
            const x = new XMLHttpRequest();
            x.open(method, url);
            x.withCredentials = true;
            x.responseType = 'arraybuffer';
            x.onload = () => {
              if (x.status !== 200) return reject('xhr poll error: status ' + x.status);
              try {
                const type = (x.getResponseHeader('Content-Type') || '').split(';')[0];
                resolve(type === 'application/octet-stream' ? decodeBinaryPayload(x.response) : decodeTextPayload(x.response));
              } catch (e) { reject('xhr poll error: ' + e); }
            };
            x.onerror = () => reject('xhr poll error');
            x.send(body);
          });
        }
        function fromJson(data) { return typeof data === 'string' ? JSON.parse(data) : data; }
        let loaded = false;
        function onEvent(topic, data) {
          const chart = CHARTS.find(([name]) => name === topic);
          if (!chart) return;
          const value = fromJson(data);
          const entry = counts[topic] || (counts[topic] = {history: null, live: 0});
          if (Array.isArray(value)) {
            entry.history = value.length;
            post({event: 'history', topic, length: value.length});
            if (value.some(record => typeof record !== 'object' || record.topic !== topic)) post({event: '$error', value: 'bad history of ' + topic});
          } else {
            entry.live += 1;
            if (typeof data !== 'string' || value.topic !== topic || typeof value.value !== 'object') post({event: '$error', value: 'bad live event ' + JSON.stringify(data)});
            post({event: 'live', topic});
          }
          graphs[chart[1]] = true;
          render();
          if (!loaded && graphs.every(Boolean)) {
            loaded = true;
            document.getElementById('state').textContent = 'loaded';
            const history = {};
            for (const [name] of CHARTS) history[name] = counts[name] ? counts[name].history : null;
            post({event: '$loaded', history});
            dataPage().catch(e => post({event: '$error', value: 'data page: ' + e}));
          }
        }
        function get(url) {
          return new Promise((resolve, reject) => {
            const x = new XMLHttpRequest();
            x.open('GET', url);
            x.onload = () => x.status === 200 ? resolve(x.responseText) : reject(url + ' answered ' + x.status);
            x.onerror = () => reject(url + ' failed (CORS?)');
            x.send();
          });
        }
        // The data page: $http.get(kafka_proxy + "/topics"), then "Get CSV" of a topic.
        async function dataPage() {
          const topics = JSON.parse(await get(exportProxy + '/topics'));
          const answer = JSON.parse(await get(exportProxy + '/export/data/buyOffer'));
          const csv = await get(exportProxy + '/' + answer.url);
          const lines = csv.split('\n').filter(line => line.length > 0);
          document.getElementById('export').textContent = 'buyOffer.csv: ' + (lines.length - 1) + ' rows, topics: ' + topics.length;
          post({event: '$csv', topics, url: answer.url, lines: lines.length, header: lines[0] || ''});
        }
        async function run() {
          let sid = null;
          for (;;) {
            const url = base + '&t=' + Date.now() + (sid ? '&sid=' + sid : '');
            for (const packet of await request('GET', url)) {
              if (packet[0] === '0') { sid = JSON.parse(packet.slice(1)).sid; continue; }
              if (packet.startsWith('42')) { const [event, data] = JSON.parse(packet.slice(2)); onEvent(event, data); }
            }
          }
        }
        render();
        run().catch(e => post({event: '$error', value: String(e)}));
        </script></body></html>
        """#

    static func pageHTML() -> String {
        let charts = "[" + charts.map { "['\($0.topic)', \($0.graph)]" }.joined(separator: ",") + "]"
        return page.replacingOccurrences(of: "__CHARTS__", with: charts)
    }

    struct Report: @unchecked Sendable {
        let object: [String: Any]
        var event: String { object["event"] as? String ?? "" }
    }

    /// A record of `topic`; buyOffer alternates public and merchant-private rows.
    static func record(_ topic: String, _ n: Int) -> [UInt8] {
        let owner = topic == "buyOffer" && n % 2 == 1 ? #","merchant_id":"p6ASDWlhsJAhTbv1EnJQu5g5zhyH+5s9xGAkmRYxKf8=""# : ""
        return Array(#"{"n":\#(n),"amount":1,"price":\#(10 + n % 7).5,"http_code":200\#(owner),"timestamp":"2018-03-16T10:00:00.000Z"}"#.utf8)
    }

    @Test func theUIsClientLoadsEveryChartReceivesLiveEventsAndExportsACSV() async throws {
        _ = try HeadlessChromium.executable()
        _ = try HAProxyProcess.executable()
        try producer.createTopics(Self.charts.map(\.topic) + ["marketSituation"])
        for topic in Self.filled {
            for n in 0..<Self.recordsPerTopic { try producer.send(topic: topic, value: Self.record(topic, n)) }
        }
        try producer.flush()
        let ingestd = try IngestdProcess(broker: broker, group: "mgmt-ui")
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "mgmt-ui")
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: NSTemporaryDirectory() + "mgmt-ui-\(UUID().uuidString)")
        try await realtimed.waitUntilReady()
        try await exportd.waitUntilReady()
        let stored = await eventually(timeout: 30, interval: 0.1) {
            Int(await exportd.metric("export_records_stored_total") ?? 0) >= Self.filled.count * Self.recordsPerTopic
        }
        try #require(stored, "\(exportd.process.output.suffix(2000))")
        let proxy = try HAProxyProcess(servers: ["realtime": [realtimed.port], "export": [exportd.port]])
        defer { proxy.stop() }
        #expect(await proxy.waitUntilRouting(8001, path: "//topics"), "\(proxy.process.output.suffix(2000))")

        let setups: [(name: String, query: String)] = [
            ("through the proxy's Price Wars origin", "proxy=\(proxy.origin(8001))/"),
            ("straight against the services", "proxy=\(realtimed.url)/&export=http://127.0.0.1:\(exportd.port)/"),
        ]
        var round = 0
        for setup in setups {
            let pages = CrossOriginPageServer(pages: ["/": Self.pageHTML()])
            try await pages.run { origin in
                let browser = try HeadlessChromium(url: "\(origin)/?\(setup.query)")
                defer { browser.stop() }
                func reports() -> [Report] {
                    pages.reports.compactMap { text in
                        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]).map(Report.init)
                    }
                }
                let loaded = await eventually(timeout: 30) {
                    let events = reports().map(\.event)
                    return events.contains("$error") || (events.contains("$loaded") && events.contains("$csv"))
                }
                try #require(loaded, "\(setup.name): \(pages.reports)\nchromium: \(browser.logTail)")
                #expect(!reports().contains { $0.event == "$error" }, "\(setup.name): \(pages.reports)")

                // Every chart loaded from its history: 100 of 150 records, [] for the empty topic.
                let loadedHistory = await eventually(timeout: 10) {
                    Set(reports().filter { $0.event == "history" }.compactMap { $0.object["topic"] as? String }).count == Self.charts.count
                }
                #expect(loadedHistory, "\(setup.name): \(pages.reports)")
                for (topic, _) in Self.charts {
                    let lengths = reports().filter { $0.event == "history" && $0.object["topic"] as? String == topic }
                        .compactMap { $0.object["length"] as? Int }
                    #expect(lengths == [Self.filled.contains(topic) ? 100 : 0], "\(setup.name): \(topic) history \(lengths)")
                }
                // The data page: the twelve topics, and buyOffer's public rows only (no token).
                let csv = try #require(reports().first { $0.event == "$csv" }?.object)
                #expect((csv["topics"] as? [String])?.count == 12, "\(setup.name): \(csv)")
                // Header, the 75 public records, and the 2 public live records each earlier round produced.
                #expect(csv["lines"] as? Int == 1 + Self.recordsPerTopic / 2 + 2 * round, "\(setup.name): \(csv)")
                #expect((csv["header"] as? String)?.contains("timestamp") == true)

                // Live events, as JSON strings, reach the charts.
                round += 1
                for n in 0..<3 { try producer.send(topic: "buyOffer", value: Self.record("buyOffer", 1000 * round + n)) }
                try producer.send(topic: "profit", value: Self.record("profit", 1000 * round))
                try producer.flush()
                let live = await eventually(timeout: 20) { reports().filter { $0.event == "live" }.count >= 4 }
                #expect(live, "\(setup.name): \(pages.reports)")
                #expect(!reports().contains { $0.event == "$error" }, "\(setup.name): \(pages.reports)")
                if round == 1, let directory = ProcessInfo.processInfo.environment["SCREENSHOT_DIR"] {
                    try HeadlessChromium.screenshot(url: "\(origin)/?\(setup.query)", to: directory + "/pricewars-management-ui.png")
                }
            }
        }
    }
}
