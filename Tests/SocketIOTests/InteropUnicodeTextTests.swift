import Foundation
import NIOCore
import SocketIO
import Testing
import TestSupport

/// Non-ASCII text (accents, CJK, emoji, U+2028) reaches Engine.IO v3 clients unchanged over
/// polling: python-socketio 4.6.1 (python-engineio 3.14.2) over polling only, and in headless
/// Chromium a page that decodes polling responses as socket.io-client 1.x does (XHR
/// `responseType = 'arraybuffer'`, one character per byte, then UTF-8) through a full connect,
/// poll, upgrade cycle.
@Suite("Unicode text to Engine.IO v3 clients", .serialized, .timeLimit(.minutes(2)))
struct InteropUnicodeTextTests {
    /// The records: the solar issue's text, accents, CJK, emoji (surrogate pairs in UTF-16),
    /// the line and paragraph separators, and an object holding such text.
    static let records: [JSONValue] = [
        "Kühlbetrieb aktiv, Vorlauf 8 °C ✓",
        "Café crème, naïve façade, Ærøskøbing",
        "太陽熱 集熱器 温度 日本語のテキスト",
        "emoji 😀🌞🔥 and 👩‍👩‍👧",
        "line\u{2028}separator\u{2029}paragraph",
        ["topic": "stcs.solar.collector", "value": ["note": "Vorlauf 8 °C ✓ 😀\u{2028}日本"]],
    ]

    /// Sends every record as its own `record` event on connect and on each `more`; records
    /// what comes back in `report` (and acknowledges it).
    static func scenario(_ io: SocketIOServer, _ recorder: InteropRecorder) {
        io.main.onConnection { socket in
            let name = socket.handshake.query["name"] ?? "?"
            for (index, record) in records.enumerated() { socket.emit("record", .int(Int64(index)), record) }
            socket.on("more") { _, _ in
                for (index, record) in records.enumerated() { socket.emit("record", .int(Int64(index)), record) }
            }
            socket.on("report") { arguments, ack in
                recorder.record(name, "report", namespace: "/", [("args", .array(arguments))])
                ack?.send([true])
            }
        }
    }

    static let pythonClient = #"""
    import json, sys, threading
    import socketio

    url, count = sys.argv[1], int(sys.argv[2])
    sio = socketio.Client()
    got, done, acked = {}, threading.Event(), threading.Event()

    @sio.on('record')
    def on_record(index, value):
        got[index] = value
        if len(got) == count:
            done.set()

    sio.connect(url + '?name=python4', transports=['polling'])
    if not done.wait(30):
        print('TIMEOUT ' + json.dumps(got)); sys.exit(1)
    received = [got[i] for i in range(count)]
    sio.emit('report', received, callback=lambda *a: acked.set())
    acked.wait(30)
    print('RESULT:' + json.dumps({'transport': sio.transport(), 'records': received}))
    sio.disconnect()
    """#

    @Test func pythonSocketIO4OverPollingGetsUnicodeRecordsUnchanged() async throws {
        let python = try TestEnvironment.require(TestEnvironment.pythonEIO3)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sio-unicode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = directory.appendingPathComponent("client.py")
        try Self.pythonClient.write(to: script, atomically: true, encoding: .utf8)
        try await InteropServer.run(scenario: Self.scenario) { port, recorder, _ in
            let child = try ChildProcess(python, [script.path, "http://127.0.0.1:\(port)", String(Self.records.count)],
                                         label: "python4-unicode")
            let status = try #require(child.waitForExit(timeout: 60), "python did not finish: \(child.output)")
            #expect(status == 0, "python failed: \(child.output)")
            let line = try #require(child.output.split(separator: "\n").first { $0.hasPrefix("RESULT:") },
                                    "no result from python: \(child.output)")
            let result = try JSONValue(parsing: String(line.dropFirst("RESULT:".count)))
            #expect(result["transport"] == "polling")
            // What the client decoded from the server's polling responses.
            #expect(result["records"] == .array(Self.records))
            // What the server decoded from the client's polling POST (binary framing).
            let reports = recorder.observations.all("python4", "report")
            #expect(reports.first?["args"] == .array([.array(Self.records)]))
        }
    }

    /// A page that speaks Engine.IO v3 / Socket.IO v4 itself, decoding polling responses exactly
    /// as socket.io-client 1.x (engine.io-client 1.x with engine.io-parser 1.x) does: the XHR
    /// asks for an `ArrayBuffer`; an `application/octet-stream` body is a binary payload whose
    /// string packets become one character per byte, other bodies become one character per
    /// byte as a whole and are split by the text framing (`length != msg.length` is a parser
    /// error); string packets are then UTF-8 decoded. After the records arrived by polling it
    /// upgrades to WebSocket (probe, upgrade), asks for them again and reports both lists.
    static let page = #"""
    <!doctype html><html><head><meta charset="utf-8"></head><body>
    <script>
    const COUNT = __COUNT__;
    const base = '/socket.io/?EIO=3&name=chromium';
    function fail(message) {
      const x = new XMLHttpRequest();
      x.open('GET', '/page-error?message=' + encodeURIComponent(String(message)));
      x.send();
    }
    function utf8decode(byteString) { return decodeURIComponent(escape(byteString)); }
    function bytesToString(bytes) {
      try { return String.fromCharCode.apply(null, bytes); } catch (e) {
        let s = ''; for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); return s;
      }
    }
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
        packets.push(utf8decode(bytesToString(body)));
        at = i + 1 + n;
      }
      return packets;
    }
    function decodeTextPayload(data) {
      const packets = [];
      let length = '';
      for (let i = 0; i < data.length; i++) {
        const chr = data.charAt(i);
        if (chr !== ':') { length += chr; continue; }
        const n = Number(length);
        if (length === '' || length != n) throw 'parser error';
        const msg = data.substr(i + 1, n);
        if (length != msg.length) throw 'parser error (length ' + length + ' != ' + msg.length + ')';
        packets.push(utf8decode(msg));
        i += n;
        length = '';
      }
      if (length !== '') throw 'parser error';
      return packets;
    }
    function poll(sid) {
      return new Promise((resolve, reject) => {
        const x = new XMLHttpRequest();
        x.open('GET', base + '&transport=polling&t=' + Date.now() + (sid ? '&sid=' + sid : ''));
        x.responseType = 'arraybuffer';
        x.onload = () => {
          try {
            const type = (x.getResponseHeader('Content-Type') || '').split(';')[0];
            resolve(type === 'application/octet-stream'
              ? decodeBinaryPayload(x.response)
              : decodeTextPayload(bytesToString(new Uint8Array(x.response))));
          } catch (e) { reject(e); }
        };
        x.onerror = () => reject('xhr poll error');
        x.send();
      });
    }
    const overPolling = [], overWebSocket = [];
    function onPacket(packet, into) {
      if (packet.startsWith('42')) {
        const [event, index, value] = JSON.parse(packet.slice(2));
        if (event === 'record') into[index] = value;
      }
    }
    async function run() {
      let sid = null;
      let received = 0;
      while (received < COUNT) {
        for (const packet of await poll(sid)) {
          if (packet[0] === '0') sid = JSON.parse(packet.slice(1)).sid;
          onPacket(packet, overPolling);
        }
        received = overPolling.filter(x => x !== undefined).length;
      }
      const ws = new WebSocket('ws://' + location.host + base + '&transport=websocket&sid=' + sid);
      ws.onerror = () => fail('websocket error');
      ws.onopen = () => ws.send('2probe');
      ws.onmessage = (event) => {
        const packet = event.data;
        if (packet === '3probe') { ws.send('5'); ws.send('42["more"]'); return; }
        onPacket(packet, overWebSocket);
        if (overWebSocket.filter(x => x !== undefined).length === COUNT) {
          overWebSocket.length = COUNT;
          ws.send('421' + JSON.stringify(['report', overPolling, overWebSocket, 'websocket']));
          overWebSocket.push('reported');
        }
      };
    }
    run().catch(fail);
    </script></body></html>
    """#

    @Test func chromiumPageDecodingAs1xClientGetsUnicodeRecordsThroughPollAndUpgrade() async throws {
        _ = try HeadlessChromium.executable()
        let page = Self.page.replacingOccurrences(of: "__COUNT__", with: String(Self.records.count))
        let errors = InteropRecorder()
        let fallback: EngineHTTPFallback = { request in
            switch request.path {
            case "/": return EngineHTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", text: page)
            case "/page-error":
                errors.record("chromium", "page-error", namespace: "/", [("query", .string(request.uri))])
                return EngineHTTPResponse(status: .noContent, headers: [:])
            default: return EngineHTTPResponse(status: .notFound, text: "not found")
            }
        }
        try await InteropServer.run(fallback: fallback, scenario: Self.scenario) { port, recorder, _ in
            let browser = try HeadlessChromium(url: "http://127.0.0.1:\(port)/")
            defer { browser.stop() }
            let done = await engineWaitUntil(timeout: 60) {
                !recorder.observations.all("chromium", "report").isEmpty
                    || !errors.observations.all("chromium", "page-error").isEmpty
            }
            let pageErrors = errors.observations.all("chromium", "page-error")
            #expect(pageErrors.isEmpty, "the page failed: \(pageErrors)")
            try #require(done, "the page did not finish; chromium log:\n\(browser.logTail)")
            let report = try #require(recorder.observations.all("chromium", "report").first)
            #expect(report["args"] == .array([.array(Self.records), .array(Self.records), "websocket"]))
        }
    }
}
