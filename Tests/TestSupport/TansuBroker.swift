import Foundation
import Kafka
#if canImport(Glibc)
import Glibc
#endif

/// A Tansu broker (Kafka-compatible, memory storage) run as a separate process on a free
/// loopback port, for integration tests.
public final class TansuBroker: @unchecked Sendable {
    /// The port clients connect to.
    public let port: Int
    private var process: ChildProcess?

    /// `host:port` for `bootstrap.servers`.
    public var bootstrapServers: String { "127.0.0.1:\(port)" }

    /// Starts a broker and waits until it accepts connections.
    public init(port: Int? = nil) throws {
        self.port = port ?? freeLoopbackPort()
        try start()
    }

    /// (Re)starts the broker process on the same port. Memory storage: a restart starts empty.
    public func start() throws {
        guard KafkaRuntime.parsesApiVersionTags else { throw TansuError.oldLibrdkafka(KafkaRuntime.version) }
        let tansu = try TestEnvironment.require(TestEnvironment.tansu)
        let url = "tcp://127.0.0.1:\(port)"
        process = try ChildProcess(tansu, ["broker", "--listener-url", url, "--advertised-listener-url", url,
                                           "--storage-engine", "memory://tansu/"],
                                   environment: ["RUST_LOG": "warn"], label: "tansu")
        guard eventuallyBlocking(timeout: 20, { canConnect(port: port) }) else {
            throw TansuError.notReady(process?.output ?? "")
        }
    }

    /// Kills the broker process (memory storage: there is nothing to save).
    public func stop() {
        process?.stop(signal: SIGKILL, timeout: 3)
        process = nil
    }

    /// What the broker logged.
    public var output: String { process?.output ?? "" }

    deinit { stop() }
}

/// The broker did not come up.
public enum TansuError: Error, CustomStringConvertible {
    case notReady(String)
    case oldLibrdkafka(String)

    public var description: String {
        switch self {
        case .notReady(let log): return "Tansu broker did not accept connections within 20 s; log:\n\(log)"
        case .oldLibrdkafka(let version):
            return "librdkafka \(version) cannot talk to Tansu (ApiVersions tagged fields); run with scripts/env sourced (LD_LIBRARY_PATH=.venv/librdkafka)"
        }
    }
}

/// Whether a TCP connection to 127.0.0.1:`port` succeeds now.
public func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = UInt16(port).bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return result == 0
}
