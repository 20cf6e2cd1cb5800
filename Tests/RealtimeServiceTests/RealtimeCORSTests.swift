import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import NIOCore
import SocketIO
import Synchronization
import Testing
import TestSupport

/// CORS on realtimed's port: with the default `CORS_ORIGINS=*` the request's origin is echoed
/// with credentials allowed, on Socket.IO and on every HTTP route, preflights included (as the
/// seed servers; socket.io-client 1.x polls with credentials); a list of origins restricts it.
@Suite("realtimed CORS", .serialized, .timeLimit(.minutes(2)))
struct RealtimeCORSTests {
    /// realtimed without a publisher (it serves after its grace period; `/health` says 503).
    static func realtimed(_ environment: [String: String] = [:]) async throws -> RealtimedProcess {
        var env = [
            "BUS_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
            "BUS_SNAPSHOT_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
        ]
        env.merge(environment) { _, new in new }
        let process = try RealtimedProcess(ingestd: [], replica: "cors", environment: env)
        let serving = await eventually(timeout: 20, interval: 0.05) { await process.get("/topics")?.status == 200 }
        if !serving { throw RealtimeTestError("realtimed did not serve; log:\n\(process.process.output.suffix(3000))") }
        return process
    }

    /// A page on another origin (another port) making credentialed XHRs to realtimed, as
    /// socket.io-client 1.x and the management UI do; a status of 0 means the browser refused
    /// the answer. It reports the statuses to its own origin.
    static let page = #"""
    <!doctype html><html><body><script>
    const target = 'http://127.0.0.1:__PORT__';
    function call(method, path, headers) {
      return new Promise(resolve => {
        const x = new XMLHttpRequest();
        x.open(method, target + path);
        x.withCredentials = true;
        for (const [name, value] of Object.entries(headers || {})) x.setRequestHeader(name, value);
        x.onload = () => resolve(x.status);
        x.onerror = () => resolve(0);
        x.send();
      });
    }
    (async () => {
      const results = {
        handshake: await call('GET', '/socket.io/?EIO=3&transport=polling&t=1'),
        status: await call('GET', '/status'),
        topics: await call('GET', '/topics'),
        health: await call('GET', '/health'),
        preflightedRoute: await call('GET', '/topics', {'X-Requested-With': 'XMLHttpRequest'}),
        preflightedPoll: await call('GET', '/socket.io/?EIO=4&transport=polling&t=2', {'X-Requested-With': 'XMLHttpRequest'}),
      };
      const x = new XMLHttpRequest();
      x.open('GET', '/report?results=' + encodeURIComponent(JSON.stringify(results)));
      x.send();
    })();
    </script></body></html>
    """#

    @Test func credentialedCrossOriginXHRsFromChromiumWorkWithTheDefaults() async throws {
        _ = try HeadlessChromium.executable()
        let realtimed = try await Self.realtimed()
        let page = Self.page.replacingOccurrences(of: "__PORT__", with: String(realtimed.port))
        let reports = Mutex<[String]>([])
        let fallback: EngineHTTPFallback = { request in
            if request.path == "/report" {
                reports.withLock { $0.append(request.query["results"] ?? "") }
                return EngineHTTPResponse(status: .noContent)
            }
            return EngineHTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", text: page)
        }
        var logger = Logger(label: "cors-page")
        logger.logLevel = .warning
        let pageServer = EngineIOServer(host: "127.0.0.1", port: 0, endpoints: [], fallback: fallback, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await pageServer.run() }
            defer { tasks.cancelAll() }
            let pagePort = try await pageServer.boundPort
            let browser = try HeadlessChromium(url: "http://127.0.0.1:\(pagePort)/")
            defer { browser.stop() }
            let reported = await eventually(timeout: 60) { !reports.withLock { $0.isEmpty } }
            try #require(reported, "the page did not report; chromium log:\n\(browser.logTail)")
            let results = try JSONValue(parsing: try #require(reports.withLock { $0.first }))
            #expect(results == [
                "handshake": 200, "status": 200, "topics": 200, "health": 503, "preflightedRoute": 200,
                "preflightedPoll": 200,
            ], "realtimed log:\n\(realtimed.process.output.suffix(2000))")
        }
    }

    /// An HTTP request to realtimed with `Origin` (and more headers); status and headers.
    static func request(_ port: Int, _ method: String, _ path: String, _ headers: [String: String])
        async throws -> HTTPURLResponse
    {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await URLSession.shared.data(for: request)
        return try #require(response as? HTTPURLResponse)
    }

    @Test func aListOfOriginsRestrictsEveryRoute() async throws {
        let realtimed = try await Self.realtimed(["CORS_ORIGINS": "http://ui.example, http://other.example"])
        for path in ["/status", "/topics", "/socket.io/?EIO=3&transport=polling"] {
            let allowed = try await Self.request(realtimed.port, "GET", path, ["Origin": "http://ui.example"])
            #expect(allowed.value(forHTTPHeaderField: "Access-Control-Allow-Origin") == "http://ui.example", "\(path)")
            #expect(allowed.value(forHTTPHeaderField: "Access-Control-Allow-Credentials") == "true", "\(path)")
            let foreign = try await Self.request(realtimed.port, "GET", path, ["Origin": "http://evil.example"])
            #expect(foreign.value(forHTTPHeaderField: "Access-Control-Allow-Origin") == nil, "\(path)")
            #expect(foreign.value(forHTTPHeaderField: "Access-Control-Allow-Credentials") == nil, "\(path)")
        }
        let preflight = try await Self.request(realtimed.port, "OPTIONS", "/status", [
            "Origin": "http://other.example", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-requested-with",
        ])
        #expect(preflight.statusCode == 204)
        #expect(preflight.value(forHTTPHeaderField: "Access-Control-Allow-Origin") == "http://other.example")
        #expect(preflight.value(forHTTPHeaderField: "Access-Control-Allow-Methods")?.contains("GET") == true)
        #expect(preflight.value(forHTTPHeaderField: "Access-Control-Allow-Headers") == "x-requested-with")
        let foreignPreflight = try await Self.request(realtimed.port, "OPTIONS", "/status", [
            "Origin": "http://evil.example", "Access-Control-Request-Method": "GET",
        ])
        #expect(foreignPreflight.value(forHTTPHeaderField: "Access-Control-Allow-Origin") == nil)
    }
}
