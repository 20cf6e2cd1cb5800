import ConnectionGuard
import Logging
import NIOCore
import SocketIO
import TestSupport

/// Runs an `EngineIOServer` on a free loopback port for the duration of `body`.
func withEngineServer<Result>(
    _ configuration: EngineIOConfiguration = EngineIOConfiguration(path: "/engine.io/"),
    delegate: EngineTestDelegate = EngineTestDelegate(),
    fallback: EngineHTTPFallback? = nil,
    requestTimeouts: HTTPRequestTimeouts? = HTTPRequestTimeouts(head: .seconds(60), body: .seconds(30)),
    connectionLimiter: ConnectionLimiter? = nil,
    _ body: (_ port: Int, _ endpoint: EngineIOEndpoint, _ delegate: EngineTestDelegate) async throws -> Result
) async throws -> Result {
    var logger = Logger(label: "engine-test")
    logger.logLevel = .warning
    let endpoint = try EngineIOEndpoint(configuration: configuration, delegate: delegate, logger: logger)
    let server = EngineIOServer(
        host: "127.0.0.1", port: 0, endpoints: [endpoint], fallback: fallback,
        requestTimeouts: requestTimeouts, connectionLimiter: connectionLimiter, logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.run() }
        let port = try await server.boundPort
        do {
            let result = try await body(port, endpoint, delegate)
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// Parses the JSON of an open packet (`0{...}`) the tests need.
struct EngineOpenPacket: Decodable {
    var sid: String
    var upgrades: [String]
    var pingInterval: Int
    var pingTimeout: Int
    var maxPayload: Int?
}

/// Polls `condition` until it holds or `timeout` seconds pass, suspending (never blocking a
/// thread) between checks; returns whether it held.
func engineWaitUntil(timeout: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
