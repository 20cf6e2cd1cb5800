import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The real `exportd` executable as a child process, following a test's ingestd.
public final class ExportdProcess: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public let dataDirectory: String

    public static var executable: String {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [directory.appendingPathComponent("exportd").path,
                          TestEnvironment.packageRoot.appendingPathComponent(".build/debug/exportd").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Starts exportd; `launcher` runs it through another command (e.g. `prlimit --fsize=N --`).
    public convenience init(ingestd: IngestdProcess, dataDirectory: String, port: Int? = nil,
                            environment: [String: String] = [:], launcher: [String] = []) throws {
        try self.init(ingestds: [ingestd], dataDirectory: dataDirectory, port: port, environment: environment,
                      launcher: launcher)
    }

    /// Starts exportd following every one of `ingestds` (e.g. the shards of one cluster).
    public init(ingestds: [IngestdProcess], dataDirectory: String, port: Int? = nil, environment: [String: String] = [:],
                launcher: [String] = []) throws {
        self.port = port ?? freeLoopbackPort()
        self.dataDirectory = dataDirectory
        var env = [
            "BUS_CONNECT": ingestds.map(\.publishEndpoint).joined(separator: ","),
            "BUS_SNAPSHOT_CONNECT": ingestds.map(\.snapshotEndpoint).joined(separator: ","),
            "DATA_DIR": dataDirectory,
            "HOST": "127.0.0.1",
            "PORT": String(self.port),
            "LOGGING_LEVEL": "DEBUG",
        ]
        env.merge(environment) { _, new in new }
        let executable = try TestEnvironment.require(Self.executable)
        if let command = launcher.first {
            process = try ChildProcess(command, Array(launcher.dropFirst()) + [executable], environment: env, label: "exportd")
        } else {
            process = try ChildProcess(executable, [], environment: env, label: "exportd")
        }
    }

    /// GET `path` with optional headers: status, headers and body; nil when nothing answers.
    public func get(_ path: String, headers: [String: String] = [:]) async -> (status: Int, headers: [String: String], body: Data)? {
        await request("GET", path, headers: headers)
    }

    /// `method` on `path` with optional headers: status, headers and body; nil when nothing answers.
    public func request(_ method: String, _ path: String, headers: [String: String] = [:]) async
        -> (status: Int, headers: [String: String], body: Data)? {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { return nil }
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        guard let (data, response) = try? await URLSession.shared.data(for: request),
              let http = response as? HTTPURLResponse else { return nil }
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return (http.statusCode, fields, data)
    }

    /// GET returning the body as text.
    public func text(_ path: String, token: String? = nil) async -> (status: Int, body: String)? {
        guard let answer = await get(path, headers: token.map { ["Authorization": "Token \($0)"] } ?? [:]) else { return nil }
        return (answer.status, String(decoding: answer.body, as: UTF8.self))
    }

    public func waitUntilReady(timeout: Double = 60) async throws {
        let ready = await eventually(timeout: timeout, interval: 0.1) { await get("/health")?.status == 200 }
        if !ready { throw ExportdNotReady(log: process.output) }
    }

    /// The rows of `topic`'s anonymous export whose first two cells are integers `n` and `p`
    /// (records `{"n": n, "p": partition}`), in the export's order.
    public func numberedRows(_ topic: String) async -> [(n: Int, p: Int)] {
        guard let text = await text("/export/data/\(topic).csv")?.body else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let cells = line.split(separator: ",")
            guard cells.count >= 2, let n = Int(cells[0]), let p = Int(cells[1]) else { return nil }
            return (n, p)
        }
    }

    /// The value of a Prometheus sample line such as `export_records_stored_total`.
    public func metric(_ sample: String) async -> Double? {
        guard let body = await text("/metrics")?.body else { return nil }
        for line in body.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }
}

/// exportd did not answer `/health` with 200 in time.
public struct ExportdNotReady: Error, CustomStringConvertible {
    /// exportd's output so far.
    public let log: String
    public var description: String { "exportd did not become ready; its log:\n\(log.suffix(6000))" }
}
