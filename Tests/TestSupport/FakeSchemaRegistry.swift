import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A tiny schema registry for tests: a Python HTTP server on a free loopback port that serves
/// `GET /schemas/ids/{id}` from a fixed table, answers 404 for unknown ids, counts requests per path
/// (`GET /counts`), can delay answers, and can fail the first request for chosen ids with 503.
public final class FakeSchemaRegistry: @unchecked Sendable {
    public let process: ChildProcess
    public let url: URL

    private static let script = #"""
import http.server, json, sys, threading, time
schemas = json.loads(sys.argv[1])
delay = float(sys.argv[2])
fail_first = set(json.loads(sys.argv[3]))
counts = {}
lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == "/counts":
            with lock:
                self.reply(200, counts)
            return
        with lock:
            counts[self.path] = counts.get(self.path, 0) + 1
            first = counts[self.path] == 1
        time.sleep(delay)
        prefix = "/schemas/ids/"
        if self.path.startswith(prefix):
            schema_id = self.path[len(prefix):]
            if schema_id in fail_first and first:
                self.reply(503, {"error_code": 50301, "message": "try again"})
            elif schema_id in schemas:
                self.reply(200, {"schema": schemas[schema_id]})
            else:
                self.reply(404, {"error_code": 40403, "message": "Schema " + schema_id + " not found"})
            return
        self.reply(404, {"error_code": 404, "message": "HTTP 404 Not Found"})
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT", server.server_address[1], flush=True)
server.serve_forever()
"""#

    private init(process: ChildProcess, url: URL) {
        self.process = process
        self.url = url
    }

    /// Starts the server and waits (without blocking a thread) until it listens; fails the test
    /// with a clear error when Python is missing.
    public static func start(schemas: [Int32: String], delay: Double = 0,
                      failFirstRequestFor: [Int32] = []) async throws -> FakeSchemaRegistry {
        let python = try TestEnvironment.require(TestEnvironment.python)
        let table = Dictionary(uniqueKeysWithValues: schemas.map { (String($0.key), $0.value) })
        let schemasJSON = String(decoding: try JSONSerialization.data(withJSONObject: table), as: UTF8.self)
        let failJSON = "[" + failFirstRequestFor.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let process = try ChildProcess(python, ["-c", script, schemasJSON, String(delay), failJSON],
                                       label: "fake-schema-registry")
        var port: Int?
        _ = await eventually(timeout: 30) { () async -> Bool in
            if let line = process.output.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) {
                port = Int(line.dropFirst(5))
            }
            return port != nil || !process.isRunning
        }
        guard let port else {
            throw FakeSchemaRegistryError.didNotStart(process.output)
        }
        return FakeSchemaRegistry(process: process, url: URL(string: "http://127.0.0.1:\(port)")!)
    }

    /// How many requests each path received.
    public func requestCounts() async throws -> [String: Int] {
        let (data, _) = try await URLSession.shared.data(from: url.appendingPathComponent("counts"))
        return try JSONDecoder().decode([String: Int].self, from: data)
    }

    deinit {
        process.stop(signal: SIGKILL, timeout: 2)
    }
}

public enum FakeSchemaRegistryError: Error, CustomStringConvertible {
    case didNotStart(String)

    public var description: String {
        switch self {
        case .didNotStart(let output): return "fake schema registry did not start: \(output)"
        }
    }
}
