import Foundation
import Kafka
import Testing
import TestSupport

/// Issues 10 and 14: the solar plant dashboard's setup, unchanged, against default realtimed
/// settings. ingestd runs with the solar gateway's own environment only (`KAFKA_HOSTS`,
/// `ALLOWED_TOPIC_REGEX=^(?!.*_test$).*$`, no `KAFKA_SCHEMA`, no `TOPIC_FORMATS`); a seed-style
/// producer writes bare Avro DataRecords holding accents, CJK, emoji and U+2028. Two clients of
/// the old generation receive `sensor_values_cache`, `sensor_values` and `connected_clients`
/// with `data` as objects and every text unchanged: python-socketio 4.6.1 over polling only with
/// one-argument handlers, and in Chromium a page on another origin that polls with credentials,
/// decodes responses one character per byte as socket.io-client 1.x does, and upgrades to
/// WebSocket.
@Suite(.serialized) struct SolarGatewayCompatibilityTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    /// The records, by round: what is there before the clients connect (their cache) and what
    /// arrives live. The `_test` topic is left out by the seed's regex.
    static func records(round: Int) -> [(topic: String, record: [String: Any])] {
        [
            ("stcs.solar.collector", ["timestamp": 1_500_000_000.5 + Double(round),
                                      "data": ["collector_temp": 61.25 + Double(round), "note": "Kühlbetrieb aktiv, Vorlauf 8 °C ✓"]]),
            ("stcs.storage", ["timestamp": 1_500_000_001.0 + Double(round),
                              "data": ["state": "太陽熱 集熱器 😀🌞 line\u{2028}separator", "round": "\(round)"]]),
            ("storage_test", ["timestamp": 1.0, "data": ["hidden": "never sent"]]),
        ]
    }

    /// Writes bare Avro datums with the seed's schema, as pykafka-tools did (fastavro's
    /// schemaless writer produces the same bytes as avro.io.DatumWriter).
    static let seedProducer = #"""
        import io, json, sys
        import fastavro
        from confluent_kafka import Producer
        bootstrap, schema_path, records = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        schema = fastavro.parse_schema(json.load(open(schema_path)))
        p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
        for topic, record in records:
            out = io.BytesIO()
            fastavro.schemaless_writer(out, schema, record)
            p.produce(topic, out.getvalue())
        if p.flush(10) != 0:
            sys.exit("not delivered")
        """#

    /// python-socketio 4.6.1 over polling only, with one-argument handlers as the seed's users
    /// wrote them; prints one JSON line per event.
    static let pythonClient = #"""
        import json, sys, threading, time
        import socketio
        sio = socketio.Client(reconnection=False)
        lock = threading.Lock()
        def report(event, value):
            # python-socketio 4 runs each handler on its own thread: one whole line per write.
            with lock:
                sys.stdout.write(json.dumps({"event": event, "value": value}, ensure_ascii=False) + "\n")
                sys.stdout.flush()
        @sio.on('sensor_values_cache')
        def on_cache(value):
            report('sensor_values_cache', value)
        @sio.on('sensor_values')
        def on_values(value):
            report('sensor_values', value)
        @sio.on('connected_clients')
        def on_clients(value):
            report('connected_clients', value)
        sio.connect(sys.argv[1], transports=['polling'])
        report('$transport', sio.transport())
        while True:
            time.sleep(1)
        """#

    /// A socket.io-client 1.x stand-in: credentialed cross-origin polling XHRs asking for an
    /// `ArrayBuffer`, string packets of a binary payload turned into one character per byte and
    /// then UTF-8 decoded (engine.io-parser 1.x), the upgrade by probe; every Socket.IO event is
    /// posted to `/report` of the page's own origin with the transport it came by.
    static let page = #"""
        <!doctype html><html><head><meta charset="utf-8"><title>solar dashboard client (stand-in)</title>
        <style>body{font:14px sans-serif;margin:16px} pre{white-space:pre-wrap}</style></head><body>
        <h3>sensor values (<span id="transport">polling</span>)</h3><pre id="out"></pre>
        <script>
        const latest = {};
        const realtime = new URLSearchParams(location.search).get('realtime');
        const base = realtime + '/socket.io/?EIO=3';
        let transport = 'polling';
        function post(object) {
          const x = new XMLHttpRequest();
          x.open('POST', '/report');
          x.send(JSON.stringify(object));
        }
        function utf8decode(byteString) { return decodeURIComponent(escape(byteString)); }
        function decodeBinaryPayload(buffer) {
          const bytes = new Uint8Array(buffer);
          const packets = [];
          let at = 0;
          while (at < bytes.length) {
            if (bytes[at] !== 0) throw 'unexpected binary packet';
            let length = '';
            let i = at + 1;
            for (; bytes[i] !== 255; i++) { if (i >= bytes.length) throw 'parser error'; length += bytes[i]; }
            const n = parseInt(length, 10);
            let text = '';
            for (let k = i + 1; k < i + 1 + n; k++) text += String.fromCharCode(bytes[k]);
            packets.push(utf8decode(text));
            at = i + 1 + n;
          }
          return packets;
        }
        function poll(sid) {
          return new Promise((resolve, reject) => {
            const x = new XMLHttpRequest();
            x.open('GET', base + '&transport=polling&t=' + Date.now() + (sid ? '&sid=' + sid : ''));
            x.withCredentials = true;
            x.responseType = 'arraybuffer';
            x.onload = () => {
              try {
                const type = (x.getResponseHeader('Content-Type') || '').split(';')[0];
                if (type !== 'application/octet-stream') throw 'content type ' + type;
                resolve(decodeBinaryPayload(x.response));
              } catch (e) { reject(e); }
            };
            x.onerror = () => reject('xhr poll error');
            x.send();
          });
        }
        const seen = {};
        function onPacket(packet) {
          if (packet.startsWith('42')) {
            const [event, value] = JSON.parse(packet.slice(2));
            seen[event] = (seen[event] || 0) + 1;
            post({transport, event, value});
            latest[event + (value && value.topic ? ' ' + value.topic : '')] = value;
            document.getElementById('transport').textContent = transport;
            document.getElementById('out').textContent = Object.entries(latest)
              .map(([key, value]) => key + ': ' + JSON.stringify(value)).join('\n');
          }
        }
        async function run() {
          let sid = null;
          while ((seen['sensor_values_cache'] || 0) < 2 || !seen['connected_clients']) {
            for (const packet of await poll(sid)) {
              if (packet[0] === '0') sid = JSON.parse(packet.slice(1)).sid;
              onPacket(packet);
            }
          }
          const ws = new WebSocket(base.replace(/^http/, 'ws') + '&transport=websocket&sid=' + sid);
          ws.onerror = () => post({event: '$error', value: 'websocket error'});
          ws.onopen = () => ws.send('2probe');
          ws.onmessage = (event) => {
            if (event.data === '3probe') { ws.send('5'); transport = 'websocket'; post({event: '$upgraded'}); return; }
            onPacket(event.data);
          };
        }
        run().catch((e) => post({event: '$error', value: String(e)}));
        </script></body></html>
        """#

    struct Event: @unchecked Sendable {
        let event: String
        let transport: String?
        let value: Any?
    }

    static func events(lines: [String]) -> [Event] {
        lines.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let event = object["event"] as? String else { return nil }
            return Event(event: event, transport: object["transport"] as? String, value: object["value"])
        }
    }

    /// What a client should have got for a record: `{topic, timestamp, data}` with `data` the
    /// record's map, unchanged.
    static func matches(_ value: Any?, _ expected: (topic: String, record: [String: Any])) -> Bool {
        guard let object = value as? [String: Any], object["topic"] as? String == expected.topic,
              let data = object["data"] as? [String: Any],
              let expectedData = expected.record["data"] as? [String: Any], data.count == expectedData.count
        else { return false }
        let sameData = expectedData.allSatisfy { key, wanted in
            if let wanted = wanted as? Double { return data[key] as? Double == wanted }
            return data[key] as? String == wanted as? String
        }
        return sameData && object["timestamp"] as? Double == expected.record["timestamp"] as? Double
    }

    func produce(round: Int) throws {
        let records = Self.records(round: round).map { [$0.topic, $0.record] as [Any] }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: records), as: UTF8.self)
        let python = try TestEnvironment.require(TestEnvironment.python)
        let schema = TestEnvironment.fixture("kafka.timestamp-data.avsc").path
        let writer = try ChildProcess(python, ["-c", Self.seedProducer, broker.bootstrapServers, schema, json],
                                      label: "seed-producer")
        #expect(writer.waitForExit(timeout: 30) == 0, "producer:\n\(writer.output)")
    }

    @Test func theDashboardsOldClientsGetObjectsAndUnicodeUnchanged() async throws {
        _ = try HeadlessChromium.executable()
        try producer.createTopics(["stcs.solar.collector", "stcs.storage", "storage_test"])
        let ingestd = try IngestdProcess(broker: broker, group: "solar-seed",
                                         environment: ["ALLOWED_TOPIC_REGEX": "^(?!.*_test$).*$"])
        try await ingestd.waitUntilReady()
        let realtimed = try RealtimedProcess(ingestd: [ingestd], replica: "solar")
        try await realtimed.waitUntilReady()
        try await ingestd.waitForBusSubscribers(1)
        try produce(round: 0)
        let cached = await eventually(timeout: 20) {
            guard let body = await realtimed.get("/status")?.body,
                  let status = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return false }
            return status["stcs.solar.collector"] != nil && status["stcs.storage"] != nil
        }
        try #require(cached, "\(realtimed.process.output.suffix(2000))")

        let python = try TestEnvironment.require(TestEnvironment.pythonEIO3)
        let client = try ChildProcess(python, ["-c", Self.pythonClient, realtimed.url], label: "python4-solar")
        defer { _ = client.stop() }
        let pages = CrossOriginPageServer(pages: ["/": Self.page])
        try await pages.run { origin in
            let browser = try HeadlessChromium(url: "\(origin)/?realtime=\(realtimed.url)")
            defer { browser.stop() }
            func pythonEvents() -> [Event] { Self.events(lines: client.output.split(separator: "\n").map(String.init)) }
            func pageEvents() -> [Event] { Self.events(lines: pages.reports) }

            let joined = await eventually(timeout: 30) {
                pageEvents().contains { $0.event == "$upgraded" || $0.event == "$error" }
                    && pythonEvents().filter { $0.event == "sensor_values_cache" }.count >= 2
            }
            try #require(joined, "page: \(pages.reports)\npython: \(client.output.suffix(2000))\nchromium: \(browser.logTail)")
            #expect(!pageEvents().contains { $0.event == "$error" }, "\(pages.reports)")

            try produce(round: 1)
            let live = await eventually(timeout: 20) {
                pageEvents().filter { $0.event == "sensor_values" }.count >= 2
                    && pythonEvents().filter { $0.event == "sensor_values" }.count >= 2
            }
            #expect(live, "page: \(pages.reports)\npython: \(client.output.suffix(2000))")

            let cache = Self.records(round: 0).prefix(2)
            let update = Self.records(round: 1).prefix(2)
            for (name, events) in [("python", pythonEvents()), ("page", pageEvents())] {
                let caches = events.filter { $0.event == "sensor_values_cache" }
                let values = events.filter { $0.event == "sensor_values" }
                for expected in cache {
                    #expect(caches.contains { Self.matches($0.value, expected) }, "\(name) cache of \(expected.topic): \(caches.map(\.value))")
                }
                for expected in update {
                    #expect(values.contains { Self.matches($0.value, expected) }, "\(name) live \(expected.topic): \(values.map(\.value))")
                }
                #expect(!(caches + values).contains { ($0.value as? [String: Any])?["topic"] as? String == "storage_test" })
                #expect(events.contains { $0.event == "connected_clients" && $0.value is Int }, "\(name): no connected_clients")
            }
            #expect(pageEvents().filter { $0.event == "sensor_values_cache" }.allSatisfy { $0.transport == "polling" })
            #expect(pageEvents().filter { $0.event == "sensor_values" }.allSatisfy { $0.transport == "websocket" })
            #expect(pythonEvents().contains { $0.event == "$transport" && $0.value as? String == "polling" })
            if let directory = ProcessInfo.processInfo.environment["SCREENSHOT_DIR"] {
                try HeadlessChromium.screenshot(url: "\(origin)/?realtime=\(realtimed.url)", to: directory + "/solar-dashboard-client.png")
            }
        }
    }
}
