import Foundation
import NIOCore
import SocketIO
import Testing

/// The first packet of a v3 binary-framed payload (marker, length digits, 0xFF, bytes), as text.
func engineFirstBinaryFramedPacket(_ body: ByteBuffer) -> String? {
    let bytes = Array(body.readableBytesView)
    guard bytes.first == 0, let end = bytes.firstIndex(of: 0xFF) else { return nil }
    let length = bytes[1..<end].reduce(0) { $0 * 10 + Int($1) }
    guard end + 1 + length <= bytes.count else { return nil }
    return String(decoding: bytes[(end + 1)..<(end + 1 + length)], as: UTF8.self)
}

/// Opens a polling session (v4 by default); returns the sid.
func engineOpenPollingSession(port: Int, path: String = "/engine.io/", query: String = "EIO=4") async throws -> String {
    let response = try await EngineTestConnection.request(port: port, "GET", "\(path)?\(query)&transport=polling")
    #expect(response.status == 200)
    var text = response.text
    if query.contains("EIO=3") {
        if response.header("content-type") == "application/octet-stream" {
            text = engineFirstBinaryFramedPacket(response.body) ?? text
        } else if let colon = text.firstIndex(of: ":") {
            text = String(text[text.index(after: colon)...])
        }
    }
    guard text.hasPrefix("0") else { throw EngineTestConnection.Failure.malformed("not an open packet: \(text)") }
    return try JSONDecoder().decode(EngineOpenPacket.self, from: Data(text.dropFirst().utf8)).sid
}

@Suite("Engine.IO handshake and HTTP errors", .timeLimit(.minutes(1)))
struct EngineHandshakeTests {
    @Test func v4PollingHandshake() async throws {
        try await withEngineServer { port, endpoint, delegate in
            let response = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling")
            #expect(response.status == 200)
            #expect(response.header("content-type")?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(text.hasPrefix("0"))
            let json = try JSONSerialization.jsonObject(with: Data(text.dropFirst().utf8)) as! [String: Any]
            #expect(Set(json.keys) == ["sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"])
            #expect(json["upgrades"] as? [String] == ["websocket"])
            #expect(json["pingInterval"] as? Int == 25000)
            #expect(json["pingTimeout"] as? Int == 20000)
            #expect(json["maxPayload"] as? Int == 1_000_000)
            let sid = try #require(json["sid"] as? String)
            #expect(endpoint.connection(id: sid)?.protocolVersion == .v4)
            #expect(delegate.events.first == .opened(sid))
        }
    }

    @Test func v3PollingHandshakeIsBinaryFramedWithoutMaxPayload() async throws {
        try await withEngineServer { port, endpoint, _ in
            let response = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=3&transport=polling")
            #expect(response.status == 200)
            // As python-engineio 3.x: a client without `b64=1` gets the binary framing.
            #expect(response.header("content-type") == "application/octet-stream")
            let packet = try #require(engineFirstBinaryFramedPacket(response.body))
            #expect(packet.hasPrefix("0"))
            let json = try JSONSerialization.jsonObject(with: Data(packet.dropFirst().utf8)) as! [String: Any]
            #expect(Set(json.keys) == ["sid", "upgrades", "pingInterval", "pingTimeout"])
            let sid = try #require(json["sid"] as? String)
            #expect(endpoint.connection(id: sid)?.protocolVersion == .v3)
        }
    }

    @Test func v3B64PollingHandshakeIsLengthPrefixedWithoutMaxPayload() async throws {
        try await withEngineServer { port, endpoint, _ in
            let response = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=3&transport=polling&b64=1")
            #expect(response.status == 200)
            #expect(response.header("content-type") == "text/plain; charset=UTF-8")
            let text = response.text
            let colon = try #require(text.firstIndex(of: ":"))
            let packet = String(text[text.index(after: colon)...])
            #expect(Int(text[..<colon]) == packet.utf16.count)
            #expect(packet.hasPrefix("0"))
            let json = try JSONSerialization.jsonObject(with: Data(packet.dropFirst().utf8)) as! [String: Any]
            #expect(Set(json.keys) == ["sid", "upgrades", "pingInterval", "pingTimeout"])
            let sid = try #require(json["sid"] as? String)
            #expect(endpoint.connection(id: sid)?.protocolVersion == .v3)
        }
    }

    @Test func eio3RefusedWhenDisabled() async throws {
        try await withEngineServer(EngineIOConfiguration(path: "/engine.io/", allowEIO3: false)) { port, endpoint, _ in
            let response = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=3&transport=polling")
            #expect(response.status == 400)
            #expect(response.text == #"{"code":5,"message":"Unsupported protocol version"}"#)
            let ws = try await EngineTestConnection.with(port: port) {
                try await $0.upgrade("/engine.io/?EIO=3&transport=websocket")
            }
            #expect(ws.status == 400)
            #expect(endpoint.connectionCount == 0)
        }
    }

    @Test func httpErrorCodes() async throws {
        try await withEngineServer { port, _, _ in
            func check(_ method: String, _ target: String, status: Int, body: String) async throws {
                let response = try await EngineTestConnection.request(port: port, method, target, text: "")
                #expect(response.status == status, "\(method) \(target)")
                #expect(response.text == body, "\(method) \(target)")
                #expect(response.header("content-type") == "application/json")
            }
            try await check("GET", "/engine.io/?EIO=4&transport=carrier-pigeon", status: 400,
                            body: #"{"code":0,"message":"Transport unknown"}"#)
            try await check("GET", "/engine.io/?EIO=4", status: 400, body: #"{"code":0,"message":"Transport unknown"}"#)
            try await check("GET", "/engine.io/?EIO=4&transport=polling&sid=nope", status: 400,
                            body: #"{"code":1,"message":"Session ID unknown"}"#)
            try await check("POST", "/engine.io/?EIO=4&transport=polling&sid=nope", status: 400,
                            body: #"{"code":1,"message":"Session ID unknown"}"#)
            try await check("POST", "/engine.io/?EIO=4&transport=polling", status: 400,
                            body: #"{"code":2,"message":"Bad handshake method"}"#)
            try await check("PUT", "/engine.io/?EIO=4&transport=polling", status: 400,
                            body: #"{"code":2,"message":"Bad handshake method"}"#)
            try await check("GET", "/engine.io/?EIO=4&transport=websocket", status: 400,
                            body: #"{"code":3,"message":"Bad request"}"#)
            try await check("GET", "/engine.io/?EIO=abc&transport=polling", status: 400,
                            body: #"{"code":5,"message":"Unsupported protocol version"}"#)
            try await check("GET", "/engine.io/?transport=polling", status: 400,
                            body: #"{"code":5,"message":"Unsupported protocol version"}"#)
            let sid = try await engineOpenPollingSession(port: port)
            try await check("DELETE", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", status: 400,
                            body: #"{"code":3,"message":"Bad request"}"#)
        }
    }

    @Test func allowRequestRejectsWith403() async throws {
        let configuration = EngineIOConfiguration(path: "/engine.io/", allowRequest: { info in
            info.query["token"] == "secret" ? .accept : .reject(message: "bad \"token\"")
        })
        try await withEngineServer(configuration) { port, endpoint, _ in
            let refused = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling")
            #expect(refused.status == 403)
            #expect(refused.text == #"{"code":4,"message":"bad \"token\""}"#)
            let refusedWS = try await EngineTestConnection.with(port: port) {
                try await $0.upgrade("/engine.io/?EIO=4&transport=websocket")
            }
            #expect(refusedWS.status == 403)
            #expect(endpoint.connectionCount == 0)
            let accepted = try await EngineTestConnection.request(
                port: port, "GET", "/engine.io/?EIO=4&transport=polling&token=secret")
            #expect(accepted.status == 200)
            #expect(endpoint.connectionCount == 1)
        }
    }

    @Test func corsPreflightAndHeaders() async throws {
        let configuration = EngineIOConfiguration(
            path: "/engine.io/",
            cors: EngineCORSConfiguration(allowedOrigins: .list(["https://app.example"]), allowCredentials: true))
        try await withEngineServer(configuration) { port, _, _ in
            let preflight = try await EngineTestConnection.request(
                port: port, "OPTIONS", "/engine.io/?EIO=4&transport=polling",
                headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST"),
                          ("Access-Control-Request-Headers", "content-type")])
            #expect(preflight.status == 204)
            #expect(preflight.header("access-control-allow-origin") == "https://app.example")
            #expect(preflight.header("access-control-allow-credentials") == "true")
            #expect(preflight.header("access-control-allow-methods")?.contains("POST") == true)
            #expect(preflight.header("access-control-allow-headers") == "content-type")

            let handshake = try await EngineTestConnection.request(
                port: port, "GET", "/engine.io/?EIO=4&transport=polling", headers: [("Origin", "https://app.example")])
            #expect(handshake.status == 200)
            #expect(handshake.header("access-control-allow-origin") == "https://app.example")

            let foreign = try await EngineTestConnection.request(
                port: port, "GET", "/engine.io/?EIO=4&transport=polling", headers: [("Origin", "https://evil.example")])
            #expect(foreign.header("access-control-allow-origin") == nil)
        }
        let any = EngineIOConfiguration(path: "/engine.io/", cors: EngineCORSConfiguration(allowedOrigins: .any))
        try await withEngineServer(any) { port, _, _ in
            let response = try await EngineTestConnection.request(
                port: port, "GET", "/engine.io/?EIO=4&transport=polling", headers: [("Origin", "https://x.example")])
            #expect(response.header("access-control-allow-origin") == "*")
        }
    }
}
