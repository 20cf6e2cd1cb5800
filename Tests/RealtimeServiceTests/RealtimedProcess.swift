import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// The real `realtimed` executable as a child process on a free loopback port.
final class RealtimedProcess: @unchecked Sendable {
    let process: ChildProcess
    let port: Int
    let replica: String

    var url: String { "http://127.0.0.1:\(port)" }

    static var executable: String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory.appendingPathComponent("realtimed").path,
                          TestEnvironment.packageRoot.appendingPathComponent(".build/debug/realtimed").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    init(ingestd: [IngestdProcess], replica: String, environment: [String: String] = [:]) throws {
        port = freeLoopbackPort()
        self.replica = replica
        var env = [
            "BUS_CONNECT": ingestd.map(\.publishEndpoint).joined(separator: ","),
            "BUS_SNAPSHOT_CONNECT": ingestd.map(\.snapshotEndpoint).joined(separator: ","),
            "HOST": "127.0.0.1",
            "PORT": String(port),
            "REPLICA_ID": replica,
            "PRESENCE_INTERVAL_MS": "200",
            "LOGGING_LEVEL": "DEBUG",
        ]
        env.merge(environment) { _, new in new }
        process = try ChildProcess(try TestEnvironment.require(Self.executable), [], environment: env,
                                   currentDirectory: FileManager.default.temporaryDirectory, label: "realtimed-\(replica)")
    }

    /// GET `path`: status and body, or nil when nothing answers.
    func get(_ path: String) async -> (status: Int, body: Data, contentType: String?)? {
        guard let url = URL(string: "\(url)\(path)"),
              let (data, response) = try? await URLSession.shared.data(from: url),
              let http = response as? HTTPURLResponse else { return nil }
        return (http.statusCode, data, http.value(forHTTPHeaderField: "Content-Type"))
    }

    /// Waits until `/health` answers 200 (a bus snapshot was applied).
    func waitUntilReady(timeout: Double = 20) async throws {
        let ready = await eventually(timeout: timeout, interval: 0.05) { await get("/health")?.status == 200 }
        if !ready { throw RealtimeTestError("realtimed \(replica) did not become ready; log:\n\(process.output.suffix(4000))") }
    }

    /// The value of a Prometheus sample line.
    func metric(_ sample: String) async -> Double? {
        guard let body = await get("/metrics")?.body else { return nil }
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }
}
