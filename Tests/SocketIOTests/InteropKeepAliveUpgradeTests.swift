import Foundation
import Testing
import TestSupport

/// A WebSocket upgrade sent on an HTTP/1.1 keep-alive connection that already carried polling
/// requests. node's WebSocket (undici, used by the official JS client under node) takes pooled
/// connections for its handshakes, so the JS client's upgrade probe often arrives this way. The
/// reference servers upgrade such a request (checked with python-engineio on aiohttp).
@Suite("Engine.IO upgrade on a reused keep-alive connection", .timeLimit(.minutes(1)))
struct InteropKeepAliveUpgradeTests {
    /// Opens a polling session, then sends the upgrade for it on the same connection (or, with
    /// `fresh`, on a new one); prints the status line of the answer to the upgrade.
    static let script = #"""
    import json, socket, sys
    port, fresh = int(sys.argv[1]), sys.argv[2] == "fresh"

    def read_response(sock):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk: break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        length = next((int(l.split(":", 1)[1]) for l in lines if l.lower().startswith("content-length:")), 0)
        while len(body) < length:
            body += sock.recv(4096)
        return lines[0], body[:length].decode()

    first = socket.create_connection(("127.0.0.1", port), timeout=10)
    first.sendall(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
    status, body = read_response(first)
    sid = json.loads(body[1:])["sid"]
    target = socket.create_connection(("127.0.0.1", port), timeout=10) if fresh else first
    target.sendall((f"GET /socket.io/?EIO=4&transport=websocket&sid={sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
    status, _ = read_response(target)
    print("UPGRADE:" + status, flush=True)
    """#

    static func upgradeStatus(fresh: Bool) async throws -> String {
        let python = try TestEnvironment.require(TestEnvironment.python)
        return try await InteropServer.run { port, _, _ in
            let child = try ChildProcess(python, ["-c", Self.script, "\(port)", fresh ? "fresh" : "reused"],
                                         label: "sio-keepalive-upgrade")
            let exited = await engineWaitUntil(timeout: 20) { !child.isRunning }
            try #require(exited, "client did not finish:\n\(child.output)")
            let line = try #require(child.output.split(separator: "\n").first { $0.hasPrefix("UPGRADE:") },
                                    "no answer to the upgrade:\n\(child.output)")
            return String(line.dropFirst("UPGRADE:".count))
        }
    }

    @Test func upgradeOnAFreshConnectionSwitchesProtocols() async throws {
        #expect(try await Self.upgradeStatus(fresh: true).hasPrefix("HTTP/1.1 101"))
    }

    /// EngineHTTPHandler honours an upgrade on any request of a connection (NIO's
    /// HTTPServerUpgradeHandler alone only considers the first one and answered this with 400).
    @Test func upgradeOnAReusedKeepAliveConnectionSwitchesProtocols() async throws {
        let status = try await Self.upgradeStatus(fresh: false)
        #expect(status.hasPrefix("HTTP/1.1 101"), "answer to the upgrade: \(status)")
    }
}
