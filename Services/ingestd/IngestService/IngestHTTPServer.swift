import ConnectionGuard
import Foundation
import Hummingbird
import Metrics
import Logging
import Prometheus

/// `/health` and `/metrics` for operators and orchestrators.
enum IngestHTTPServer {
    static func application(configuration: IngestConfiguration, status: IngestStatus,
                            registry: PrometheusCollectorRegistry, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/health") { _, _ -> Response in
            let state = status.snapshot
            let body: [String: String] = [
                "status": state.isReady ? "ready" : "not ready",
                "phase": state.phase.rawValue,
                "broker": state.brokerReachable ? "reachable" : "unreachable",
                "lastBrokerError": state.lastBrokerError ?? "",
                "topics": String(state.topics.count),
                "assignedPartitions": String(state.assignedPartitions),
                "shard": configuration.shard.description,
            ]
            let json = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
            return Response(status: state.isReady ? .ok : .serviceUnavailable,
                            headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: json)))
        }
        router.get("/metrics") { _, _ -> Response in
            var output: [UInt8] = []
            registry.emit(into: &output)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: output)))
        }
        // An operators' listener: fixed guards against slow peers and connection floods.
        let limiter = ConnectionLimiter(limits: ConnectionLimits(maxConnections: 256, maxConnectionsPerAddress: 64)) { reason, _ in
            Counter(label: "ingest_http_connections_refused_total", dimensions: [("limit", reason.rawValue)]).increment()
        }
        let timeouts = HTTPRequestTimeouts(head: .seconds(10), body: .seconds(10))
        let guards = { @Sendable in
            HTTPTypesGuards.handlers(limiter: limiter, timeouts: timeouts) { part in
                Counter(label: "ingest_http_timeouts_total", dimensions: [("part", part.rawValue)]).increment()
            }
        }
        return Application(router: router, server: .http1(configuration: .init(additionalChannelHandlers: guards())),
                           configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort),
                                                serverName: "ingestd"),
                           logger: logger)
    }
}
