import Foundation
import NIOCore
import NIOHTTP1
import Prometheus
import SocketIO

/// The HTTP routes beside Socket.IO on the same port (the engine's fallback handler):
/// `/status`, `/topics`, `/health`, `/metrics`, the dashboard at `/` and `/socket.io.min.js`.
struct RealtimeHTTPRoutes: Sendable {
    let hub: RealtimeHub
    let registry: PrometheusCollectorRegistry
    let dashboard: DashboardFiles
    let socketIOClientJS: String?
    let configuration: RealtimeConfiguration

    init(hub: RealtimeHub, registry: PrometheusCollectorRegistry, configuration: RealtimeConfiguration) {
        self.hub = hub
        self.registry = registry
        self.dashboard = DashboardFiles(directory: configuration.dashboardDirectory)
        self.socketIOClientJS = configuration.socketIOClientJS
        self.configuration = configuration
    }

    func respond(to request: EngineHTTPRequest) -> EngineHTTPResponse {
        guard request.method == .GET || request.method == .HEAD else {
            var response = json(.methodNotAllowed, #"{"error":"only GET and HEAD are served"}"#)
            response.headers.add(name: "Allow", value: "GET, HEAD")
            return response
        }
        var response = route(request)
        if request.method == .HEAD {
            response.headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
            response.body = ByteBuffer()
        }
        return response
    }

    private func route(_ request: EngineHTTPRequest) -> EngineHTTPResponse {
        switch request.path {
        case "/health":
            let synced = hub.isSynced
            let body = JSONValue.object([
                ("status", .string(synced ? "ok" : "waiting for the bus")),
                ("replica", .string(configuration.replicaID)),
                ("bus", .string(synced ? "synced" : "no snapshot yet")),
                ("clients", .int(Int64(hub.localClients))),
                ("clients_all_replicas", .int(Int64(hub.totalClients))),
                ("topics", .int(Int64(hub.topicNames.count))),
            ])
            return json(synced ? .ok : .serviceUnavailable, body.jsonText)
        case "/status":
            switch hub.access.grant(token: RealtimeAccess.token(of: request)) {
            case .success(let grant):
                return json(.ok, hub.statusJSON(viewer: grant?.viewer, topics: grant?.topics ?? .all))
            case .failure(let refusal): return refuse(refusal)
            }
        case "/topics":
            return json(.ok, JSONValue.array(hub.topicNames.map(JSONValue.string)).jsonText)
        case "/metrics" where configuration.metricsPort != nil:
            return EngineHTTPResponse(status: .notFound, text: "not found\n")
        case "/metrics":
            // With AUTH_MODE=token the metrics (topic names, client counts) are for operators.
            switch hub.access.viewer(token: RealtimeAccess.token(of: request)) {
            case .success(nil), .success(.operator?): break
            case .success(.merchant?): return refuse(.forbidden)
            case .failure(let refusal): return refuse(refusal)
            }
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return bytes(.ok, "text/plain; version=0.0.4; charset=utf-8", buffer)
        case "/socket.io.min.js", "/socket.io.js":
            guard let path = socketIOClientJS, let data = FileManager.default.contents(atPath: path) else {
                return EngineHTTPResponse(status: .notFound, text: "no Socket.IO client configured (SOCKET_IO_CLIENT_JS)\n")
            }
            return bytes(.ok, "text/javascript; charset=utf-8", Array(data))
        default:
            switch dashboard.file(forPath: request.path) {
            case .success(let file):
                return bytes(.ok, file.contentType, Array(file.data))
            case .failure(.forbidden):
                return EngineHTTPResponse(status: .forbidden, text: "forbidden\n")
            case .failure(.notFound):
                if request.path == "/" || request.path == "/index.html" {
                    return bytes(.ok, "text/html; charset=utf-8", Array(Self.apiPage.utf8))
                }
                return EngineHTTPResponse(status: .notFound, text: "not found\n")
            }
        }
    }

    /// 401 without a token, 403 with one that may not see this.
    private func refuse(_ refusal: RealtimeAccess.Refusal) -> EngineHTTPResponse {
        var response = json(refusal == .unauthorized ? .unauthorized : .forbidden,
                            JSONValue.object([("error", .string(refusal.rawValue))]).jsonText)
        if refusal == .unauthorized { response.headers.add(name: "WWW-Authenticate", value: "Bearer") }
        return response
    }

    /// The `METRICS_PORT` listener's routes: `/metrics` (the Prometheus text, for whoever reaches
    /// that port: keep it off public networks) and nothing else.
    func respondOnMetricsPort(to request: EngineHTTPRequest) -> EngineHTTPResponse {
        guard request.path == "/metrics", request.method == .GET || request.method == .HEAD else {
            return EngineHTTPResponse(status: .notFound, text: "not found\n")
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return bytes(.ok, "text/plain; version=0.0.4; charset=utf-8", buffer)
    }

    private func json(_ status: HTTPResponseStatus, _ text: String) -> EngineHTTPResponse {
        bytes(status, "application/json", Array(text.utf8))
    }

    private func json(_ status: HTTPResponseStatus, _ body: [UInt8]) -> EngineHTTPResponse {
        bytes(status, "application/json", body)
    }

    private func bytes(_ status: HTTPResponseStatus, _ contentType: String, _ body: [UInt8]) -> EngineHTTPResponse {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Cache-Control", value: "no-cache")
        return EngineHTTPResponse(status: status, headers: headers, body: ByteBuffer(bytes: body))
    }

    /// The page at `/` when there is no dashboard.
    static let apiPage = """
    <!doctype html>
    <html><head><meta charset="utf-8"><title>realtimed</title></head>
    <body>
    <h1>realtimed</h1>
    <p>Live Kafka records over Socket.IO (path <code>/socket.io/</code>). See docs/realtimed.md.</p>
    <h2>Socket.IO events</h2>
    <ul>
    <li><code>sensor_values_cache</code>: on connect, the latest record of each topic</li>
    <li><code>sensor_values</code>: every new record, <code>{"topic", "timestamp", "data"}</code></li>
    <li><code>connected_clients</code>: number of clients across replicas</li>
    <li><code>&lt;topic&gt;</code>: every new record <code>{"topic", "timestamp", "value"}</code>; on connect, the topic's history as an array</li>
    <li>emit <code>subscribe</code> / <code>unsubscribe</code> with topic names or glob patterns (with an ack)</li>
    </ul>
    <h2>HTTP</h2>
    <ul>
    <li><a href="/status">/status</a>: records seen and last record per topic</li>
    <li><a href="/topics">/topics</a>: topic names</li>
    <li><a href="/health">/health</a>: bus sync and client counts</li>
    <li><a href="/metrics">/metrics</a>: Prometheus metrics</li>
    </ul>
    </body></html>

    """
}
