import Foundation
import NIOCore
import SocketIO
import Testing
import TestSupport

/// The official JS client in a real browser: headless Chromium (Debian's `chromium`) loads a page
/// served next to the Socket.IO endpoint, connects (polling, then the WebSocket upgrade), and
/// echoes an event with an acknowledgement; the server records what it saw.
@Suite("Socket.IO interop with headless Chromium", .serialized, .timeLimit(.minutes(2)))
struct InteropChromiumTests {
    static let page = """
    <!doctype html><html><body>
    <script src="/socket.io.min.js"></script>
    <script>
    const socket = io({ query: { name: "chromium" }, auth: { token: "\(InteropServer.token)" } });
    // The upgrade runs beside the first events: report the transport once it is done, whichever
    // finishes first (reporting at once made the test depend on that race).
    function whenUpgraded(then) {
      const engine = socket.io.engine;
      if (engine.transport.name === "websocket") then(); else engine.once("upgrade", then);
    }
    socket.on("welcome", () => {
      socket.emit("echo", "from-browser", { n: 1 }, (...reply) => {
        whenUpgraded(() => socket.emit("echo", "ack-ok", reply, socket.io.engine.transport.name));
      });
    });
    </script></body></html>
    """

    @Test func browserConnectsUpgradesAndEchoesWithAck() async throws {
        _ = try HeadlessChromium.executable()
        let bundlePath = try await InteropJSClient.bundle(python: try TestEnvironment.require(TestEnvironment.python))
        let bundle = try Data(contentsOf: URL(fileURLWithPath: bundlePath))
        let page = Self.page
        let fallback: EngineHTTPFallback = { request in
            switch request.path {
            case "/": return EngineHTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", text: page)
            case "/socket.io.min.js":
                return EngineHTTPResponse(status: .ok, headers: ["content-type": "text/javascript"], body: ByteBuffer(bytes: bundle))
            default: return EngineHTTPResponse(status: .notFound, text: "not found")
            }
        }
        try await InteropServer.run(fallback: fallback) { port, recorder, _ in
            let browser = try HeadlessChromium(url: "http://127.0.0.1:\(port)/")
            defer { browser.stop() }
            let done = await engineWaitUntil(timeout: 60) {
                recorder.observations.all("chromium", "echo").count >= 2
            }
            try #require(done, "the page did not finish; chromium log:\n\(browser.logTail)")
            let echoes = recorder.observations.all("chromium", "echo")
            #expect(echoes[0]["args"] == .array(["from-browser", ["n": 1]]))
            #expect(echoes[0]["ack"] == .bool(true))
            // The acknowledgement came back intact, over the upgraded transport.
            #expect(echoes[1]["args"] == .array(["ack-ok", .array(["from-browser", ["n": 1]]), "websocket"]))
        }
    }
}
