import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Debian's `haproxy` (installed by `scripts/setup-env`) running the deployment's own
/// `deploy/haproxy.cfg` on loopback: the same frontends, routing rules and backends, with the
/// compose service names (found through Docker's DNS there) replaced by the test's processes,
/// each `bind :PORT` by a free loopback port and `maxconn` lowered to what a test process may open.
public final class HAProxyProcess: @unchecked Sendable {
    /// The proxy process (its output is haproxy's log).
    public let process: ChildProcess
    /// The loopback port of each frontend, by its port in `deploy/haproxy.cfg` (8080, 8001).
    public let ports: [Int: Int]
    private let configURL: URL

    /// The haproxy executable; throws `TestEnvironmentError.missingTool` without one.
    public static func executable() throws -> String {
        for candidate in ["/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy"]
        where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        throw TestEnvironmentError.missingTool("haproxy")
    }

    /// `deploy/haproxy.cfg` for loopback: `servers` maps each backend name (`realtime`,
    /// `export`) to the loopback ports of its servers.
    public static func loopbackConfiguration(servers: [String: [Int]], ports: [Int: Int]) throws -> String {
        let deployed = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("deploy/haproxy.cfg"),
                                  encoding: .utf8)
        var lines: [String] = []
        var inResolvers = false
        for line in deployed.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("resolvers ") { inResolvers = true; continue }
            if inResolvers {
                if line.first == " " || line.isEmpty { continue }
                inResolvers = false
            }
            // This machine allows 20,000 open files per process; the deployment's maxconn needs more.
            if trimmed.hasPrefix("maxconn ") { lines.append("    maxconn 4000"); continue }
            if trimmed.hasPrefix("log stdout") { lines.append("    log stderr format raw local0 info"); continue }
            if trimmed.hasPrefix("bind :"), let port = Int(trimmed.dropFirst("bind :".count)), let mapped = ports[port] {
                lines.append("    bind 127.0.0.1:\(mapped)")
                continue
            }
            if trimmed.hasPrefix("server-template ") {
                let name = trimmed.split(separator: " ")[1]
                let flags = trimmed.contains(" check") ? " check" : ""
                for (index, port) in (servers[String(name)] ?? []).enumerated() {
                    lines.append("    server \(name)\(index + 1) 127.0.0.1:\(port)\(flags)")
                }
                continue
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Starts haproxy with the loopback form of the deployment's configuration.
    public init(servers: [String: [Int]], frontends: [Int] = [8080, 8001]) throws {
        var ports: [Int: Int] = [:]
        for frontend in frontends { ports[frontend] = freeLoopbackPort() }
        self.ports = ports
        let text = try Self.loopbackConfiguration(servers: servers, ports: ports)
        configURL = FileManager.default.temporaryDirectory.appendingPathComponent("haproxy-\(UUID().uuidString).cfg")
        try text.write(to: configURL, atomically: true, encoding: .utf8)
        process = try ChildProcess(try Self.executable(), ["-db", "-f", configURL.path], label: "haproxy")
    }

    /// `http://127.0.0.1:PORT` of the frontend bound at `frontend` in the deployment.
    public func origin(_ frontend: Int) -> String { "http://127.0.0.1:\(ports[frontend] ?? 0)" }

    /// Waits until every backend server is up by haproxy's health checks (its log says so) or
    /// until the frontend answers `path` with 200 through the proxy.
    public func waitUntilRouting(_ frontend: Int, path: String, timeout: Double = 20) async -> Bool {
        await eventually(timeout: timeout, interval: 0.1) {
            guard let url = URL(string: "\(self.origin(frontend))\(path)"),
                  let (_, response) = try? await URLSession.shared.data(from: url) else { return false }
            return (response as? HTTPURLResponse)?.statusCode == 200
        }
    }

    /// Stops haproxy and removes its configuration.
    public func stop() {
        _ = process.stop()
        try? FileManager.default.removeItem(at: configURL)
    }

    deinit { stop() }
}
