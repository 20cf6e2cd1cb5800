import ConnectionGuard
import Logging
import NIOCore
import NIOHTTP1
import SocketIO
import Testing
import TestSupport

@Suite("Engine.IO server: fallback handler and shutdown", .timeLimit(.minutes(1)))
struct EngineServerTests {
    @Test func otherPathsGoToTheFallback() async throws {
        let fallback: EngineHTTPFallback = { request in
            if request.path == "/health" { return EngineHTTPResponse(status: .ok, text: "healthy \(request.query["x"] ?? "")") }
            if request.path == "/echo" { return EngineHTTPResponse(status: .ok, headers: [:], body: request.body) }
            return EngineHTTPResponse(status: .notFound, text: "nothing here")
        }
        try await withEngineServer(fallback: fallback) { port, _, _ in
            let health = try await EngineTestConnection.request(port: port, "GET", "/health?x=1")
            #expect(health.status == 200)
            #expect(health.text == "healthy 1")
            let echo = try await EngineTestConnection.request(port: port, "POST", "/echo", text: "body bytes")
            #expect(echo.text == "body bytes")
            #expect(try await EngineTestConnection.request(port: port, "GET", "/missing").status == 404)
            // Keep-alive: several requests on one connection.
            let statuses = try await EngineTestConnection.with(port: port) { connection in
                [
                    try await connection.request("GET", "/health").status,
                    try await connection.request("GET", "/engine.io/?EIO=4&transport=polling").status,
                    try await connection.request("GET", "/health").status,
                ]
            }
            #expect(statuses == [200, 200, 200])
        }
        let withoutFallback = try await withEngineServer { port, _, _ in
            try await EngineTestConnection.request(port: port, "GET", "/health").status
        }
        #expect(withoutFallback == 404)
    }

    @Test func oversizedBodyIsRefusedWithoutReadingItToTheEnd() async throws {
        let fallback: EngineHTTPFallback = { request in EngineHTTPResponse(status: .ok, headers: [:], body: request.body) }
        try await withEngineServer(fallback: fallback) { port, _, _ in
            let status = try await EngineTestConnection.with(port: port) { connection in
                // Announces a body larger than the 1 MiB fallback limit and sends none of it:
                // the answer must come without waiting for the body.
                try await connection.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n")
                let response = try await connection.readResponse()
                try await connection.readUntilClosed()
                return response.status
            }
            #expect(status == 413)
        }
    }

    @Test func idleConnectionsAreClosedButParkedPollsAreNot() async throws {
        let configuration = EngineIOConfiguration(path: "/engine.io/", pingInterval: .milliseconds(800))
        try await withEngineServer(configuration, requestTimeouts: HTTPRequestTimeouts(head: .milliseconds(200), body: .milliseconds(200))) { port, _, _ in
            let start = ContinuousClock.now
            try await EngineTestConnection.with(port: port) { connection in
                #expect(try await connection.request("GET", "/engine.io/?EIO=4&transport=polling").status == 200)
                try await connection.readUntilClosed()
            }
            #expect(ContinuousClock.now - start < .seconds(5))
            // A poll parked for longer than the idle timeout is answered (with the ping).
            let sid = try await engineOpenPollingSession(port: port)
            let poll = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling&sid=\(sid)")
            #expect(poll.text == "2")
        }
    }

    @Test func malformedHTTPIsAnsweredWith400AndTheServerKeepsServing() async throws {
        try await withEngineServer { port, _, _ in
            let status = try await EngineTestConnection.with(port: port) { connection in
                try await connection.write("NOT HTTP AT ALL\r\n\u{01}\u{02}\r\n\r\n")
                return try await connection.readResponse().status
            }
            #expect(status == 400)
            let response = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling")
            #expect(response.status == 200)
        }
    }

    @Test func gracefulShutdownClosesSessions() async throws {
        let delegate = EngineTestDelegate(echo: false)
        let endpoint = try EngineIOEndpoint(configuration: EngineIOConfiguration(path: "/engine.io/"), delegate: delegate)
        let server = EngineIOServer(host: "127.0.0.1", port: 0, endpoints: [endpoint])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            let port = try await server.boundPort
            try await EngineTestConnection.with(port: port) { ws in
                let open = try await engineOpenWebSocket(ws)
                group.cancelAll()
                #expect(try await ws.readText() == "1")
                #expect(try await ws.readFrame().isClose)
                #expect(await delegate.waitForClose(open.sid) == .serverShutdown)
            }
            try await group.waitForAll()
        }
        #expect(endpoint.connectionCount == 0)
    }

    @Test func aServerRunsOnce() async throws {
        let endpoint = try EngineIOEndpoint(delegate: EngineTestDelegate())
        let server = EngineIOServer(host: "127.0.0.1", port: 0, endpoints: [endpoint])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            _ = try await server.boundPort
            await #expect(throws: EngineIOServerError.alreadyRunning) { try await server.run() }
            group.cancelAll()
        }
    }

    @Test func bindFailureIsReported() async throws {
        let delegate = EngineTestDelegate()
        let endpoint = try EngineIOEndpoint(delegate: delegate)
        let first = EngineIOServer(host: "127.0.0.1", port: 0, endpoints: [endpoint])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await first.run() }
            let port = try await first.boundPort
            let second = EngineIOServer(host: "127.0.0.1", port: port, endpoints: [endpoint])
            await #expect(throws: (any Error).self) { try await second.run() }
            await #expect(throws: (any Error).self) { try await second.boundPort }
            group.cancelAll()
        }
    }
}
