import Bus
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ZeroMQ

/// The real `ingestd` executable, run as a child process against a test broker on free
/// loopback ports.
public final class IngestdProcess: @unchecked Sendable {
    public let process: ChildProcess
    public let httpPort: Int
    public let publishEndpoint: String
    public let snapshotEndpoint: String

    /// The built executable next to the test bundle.
    public static var executable: String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory.appendingPathComponent("ingestd").path,
                          TestEnvironment.packageRoot.appendingPathComponent(".build/debug/ingestd").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    public convenience init(broker: TansuBroker, group: String, environment: [String: String] = [:],
         ports: (http: Int, publish: Int, snapshot: Int)? = nil) throws {
        try self.init(bootstrapServers: broker.bootstrapServers, group: group, environment: environment, ports: ports)
    }

    /// ingestd against any Kafka-compatible cluster (e.g. librdkafka's mock cluster).
    public init(bootstrapServers: String, group: String, environment: [String: String] = [:],
                ports: (http: Int, publish: Int, snapshot: Int)? = nil) throws {
        let ports = ports ?? {
            let free = distinctFreeLoopbackPorts(3)
            return (free[0], free[1], free[2])
        }()
        httpPort = ports.http
        publishEndpoint = "tcp://127.0.0.1:\(ports.publish)"
        snapshotEndpoint = "tcp://127.0.0.1:\(ports.snapshot)"
        var env = [
            "KAFKA_HOSTS": bootstrapServers,
            "CONSUMER_GROUP": group,
            "INGEST_HTTP_HOST": "127.0.0.1",
            "INGEST_HTTP_PORT": String(ports.http),
            "BUS_PUBLISH_BIND": publishEndpoint,
            "BUS_SNAPSHOT_BIND": snapshotEndpoint,
            "TOPIC_REFRESH_INTERVAL_MS": "300",
            "KAFKA_PROPERTY_SESSION_TIMEOUT_MS": "6000",
            "KAFKA_PROPERTY_HEARTBEAT_INTERVAL_MS": "500",
            "LOGGING_LEVEL": "DEBUG",
        ]
        env.merge(environment) { _, new in new }
        process = try ChildProcess(try TestEnvironment.require(Self.executable), [], environment: env, label: "ingestd")
    }

    /// GET `path` on the HTTP port: status and body, or nil when nothing answers.
    public func get(_ path: String) async -> (status: Int, body: String)? {
        guard let url = URL(string: "http://127.0.0.1:\(httpPort)\(path)"),
              let (data, response) = try? await URLSession.shared.data(from: url),
              let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, String(decoding: data, as: UTF8.self))
    }

    /// Waits until `/health` says ready.
    public func waitUntilReady(timeout: Double = 30) async throws {
        let ready = await eventually(timeout: timeout, interval: 0.1) { await get("/health")?.status == 200 }
        if !ready { throw IngestdTestError.notReady(process.output) }
    }

    /// Waits until ingestd counts `count` bus subscriber connections (its metric is refreshed
    /// every second), so records published afterwards reach them.
    public func waitForBusSubscribers(_ count: Int, timeout: Double = 10) async throws {
        let connected = await eventually(timeout: timeout, interval: 0.05) {
            (await metric("ingest_bus_subscribers") ?? 0) >= Double(count)
        }
        if !connected { throw IngestdTestError.notReady("no bus subscriber seen; log:\n\(process.output.suffix(3000))") }
    }

    /// The value of a Prometheus sample line such as `ingest_records_failed_total{topic="x"}`.
    public func metric(_ sample: String) async -> Double? {
        guard let body = await get("/metrics")?.body else { return nil }
        for line in body.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }

    /// A snapshot or replay over the side channel.
    public func request(_ request: BusRequest, context: ZMQContext) async throws -> BusSnapshot {
        try await BusSnapshotClient.request(request, endpoint: snapshotEndpoint, context: context)
    }
}

/// Why a test's ingestd could not be used.
public enum IngestdTestError: Error, CustomStringConvertible {
    case notReady(String)

    public var description: String {
        switch self {
        case .notReady(let log): return "ingestd did not become ready; its log:\n\(log.suffix(6000))"
        }
    }
}
