import ConnectionGuard
import Foundation
import NIOCore
@testable import SocketIO
import Testing

/// WebSocket upgrades sent on a keep-alive connection that already served other requests, as
/// node's http server (behind the reference engine.io server) accepts them.
@Suite("Engine.IO WebSocket upgrade on a reused connection", .timeLimit(.minutes(1)))
struct EngineKeepAliveUpgradeTests {
    static let webSocketHeaders = [
        ("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
    ]

    /// Opens a polling session on `connection` (which stays open); returns the sid.
    static func openPollingSession(on connection: EngineTestConnection) async throws -> String {
        let response = try await connection.request("GET", "/engine.io/?EIO=4&transport=polling")
        #expect(response.status == 200)
        #expect(response.header("connection")?.lowercased() != "close")
        return try JSONDecoder().decode(EngineOpenPacket.self, from: Data(response.text.dropFirst().utf8)).sid
    }

    @Test func upgradeAfterThePollingHandshakeOnTheSameConnection() async throws {
        try await withEngineServer { port, endpoint, delegate in
            try await EngineTestConnection.with(port: port) { connection in
                let sid = try await Self.openPollingSession(on: connection)
                let response = try await connection.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)")
                #expect(response.status == 101)
                #expect(response.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
                try await connection.sendText("2probe")
                #expect(try await connection.readText() == "3probe")
                try await connection.sendText("5")
                try await connection.sendText("4over websocket")
                #expect(try await connection.readText() == "4over websocket")
                #expect(endpoint.session(id: sid)?.transportName == "websocket")
                #expect(delegate.messages(from: sid) == [.text("over websocket")])
            }
        }
    }

    @Test func directWebSocketHandshakeAfterAnotherRequest() async throws {
        try await withEngineServer { port, endpoint, _ in
            try await EngineTestConnection.with(port: port) { connection in
                #expect(try await connection.request("GET", "/elsewhere").status == 404)
                let open = try await engineOpenWebSocket(connection)
                #expect(endpoint.session(id: open.sid)?.transportName == "websocket")
                try await connection.sendText("4hello")
                #expect(try await connection.readText() == "4hello")
            }
        }
    }

    @Test func requestPipelinedAfterTheUpgradeIsNotReadAsAFrame() async throws {
        try await withEngineServer { port, _, delegate in
            try await EngineTestConnection.with(port: port) { connection in
                let sid = try await Self.openPollingSession(on: connection)
                // The upgrade request and a pipelined request in one write: the server must not
                // feed "GET ..." to the frame decoder ('G' is a reserved opcode: it would close).
                var bytes = "GET /engine.io/?EIO=4&transport=websocket&sid=\(sid) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                for (name, value) in Self.webSocketHeaders { bytes += "\(name): \(value)\r\n" }
                bytes += "\r\nGET /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                try await connection.write(bytes)
                #expect(try await connection.readResponse().status == 101)
                try await connection.sendText("2probe")
                #expect(try await connection.readText() == "3probe")
                try await connection.sendText("5")
                try await connection.sendText("4after")
                #expect(try await connection.readText() == "4after")
                #expect(delegate.messages(from: sid) == [.text("after")])
            }
        }
    }

    @Test func refusedUpgradeOnAReusedConnectionAnswersAndCloses() async throws {
        try await withEngineServer { port, _, _ in
            try await EngineTestConnection.with(port: port) { connection in
                _ = try await Self.openPollingSession(on: connection)
                let response = try await connection.upgrade("/engine.io/?EIO=4&transport=websocket&sid=unknown")
                #expect(response.status == 400)
                #expect(response.text == #"{"code":1,"message":"Session ID unknown"}"#)
                #expect(response.header("connection")?.lowercased() == "close")
                try await connection.readUntilClosed()
            }
        }
    }

    @Test func badWebSocketVersionOnAReusedConnectionIsABadRequest() async throws {
        try await withEngineServer { port, endpoint, _ in
            try await EngineTestConnection.with(port: port) { connection in
                let sid = try await Self.openPollingSession(on: connection)
                let headers = Self.webSocketHeaders.map { $0.0 == "Sec-WebSocket-Version" ? ($0.0, "8") : $0 }
                let response = try await connection.request(
                    "GET", "/engine.io/?EIO=4&transport=websocket&sid=\(sid)", headers: headers)
                #expect(response.status == 400)
                #expect(response.text == #"{"code":3,"message":"Bad request"}"#)
                try await connection.readUntilClosed()
                #expect(endpoint.session(id: sid)?.transportName == "polling")
            }
        }
    }

    /// NIO's HTTP decoder parses nothing after a request asking to switch protocols, so a
    /// connection that does not switch is answered and closed instead of left hanging.
    @Test func otherUpgradeRequestsAreAnsweredAndClosed() async throws {
        let fallback: EngineHTTPFallback = { _ in EngineHTTPResponse(status: .ok, text: "fallback") }
        try await withEngineServer(fallback: fallback) { port, _, _ in
            try await EngineTestConnection.with(port: port) { connection in
                let response = try await connection.request(
                    "GET", "/engine.io/?EIO=4&transport=polling", headers: [("Upgrade", "h2c"), ("Connection", "Upgrade")])
                #expect(response.status == 200)
                #expect(response.text.hasPrefix("0{"))
                #expect(response.header("connection")?.lowercased() == "close")
                try await connection.readUntilClosed()
            }
            try await EngineTestConnection.with(port: port) { connection in
                let response = try await connection.upgrade("/elsewhere")
                #expect(response.status == 200)
                #expect(response.text == "fallback")
                try await connection.readUntilClosed()
            }
        }
    }

    @Test func upgradedConnectionOutlivesTheHTTPIdleTimeout() async throws {
        try await withEngineServer(requestTimeouts: HTTPRequestTimeouts(head: .milliseconds(200), body: .milliseconds(200))) { port, _, _ in
            try await EngineTestConnection.with(port: port) { connection in
                let sid = try await Self.openPollingSession(on: connection)
                #expect(try await connection.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)").status == 101)
                // Three idle timeouts without traffic: the WebSocket stays (its heartbeat rules it).
                try await Task.sleep(for: .milliseconds(600))
                try await connection.sendText("2probe")
                #expect(try await connection.readText() == "3probe")
            }
        }
    }
}
