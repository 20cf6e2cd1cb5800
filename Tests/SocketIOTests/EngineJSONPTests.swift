import Foundation
import NIOCore
@testable import SocketIO
import Testing

/// The JavaScript string a JSONP answer `___eio[<index>]("…");` passes to its callback.
private func jsonpArgument(_ response: EngineTestConnection.HTTPResponse, index: String) throws -> String {
    let text = response.text
    let head = "___eio[\(index)]("
    guard text.hasPrefix(head), text.hasSuffix(");") else {
        throw EngineTestConnection.Failure.malformed("not a JSONP answer for index \(index): \(text)")
    }
    let literal = text.dropFirst(head.count).dropLast(2)
    return try JSONDecoder().decode([String].self, from: Data("[\(literal)]".utf8))[0]
}

/// The sid of an open packet in a v3 (`<length>:0{…}`) or v4 (`0{…}`) payload.
private func openPacketSID(_ payload: String) throws -> String {
    var text = Substring(payload)
    if let colon = text.firstIndex(of: ":"), text.first != "0" { text = text[text.index(after: colon)...] }
    guard text.first == "0" else { throw EngineTestConnection.Failure.malformed("not an open packet: \(payload)") }
    return try JSONDecoder().decode(EngineOpenPacket.self, from: Data(text.dropFirst().utf8)).sid
}

private func formBody(_ d: String) -> (headers: [(String, String)], body: ByteBuffer) {
    ([("Content-Type", "application/x-www-form-urlencoded")], ByteBuffer(string: "d=" + d))
}

@Suite("Engine.IO JSONP polling", .timeLimit(.minutes(1)))
struct EngineJSONPTests {
    @Test func v3HandshakeAndPollsAreJavaScriptCalls() async throws {
        try await withEngineServer(delegate: EngineTestDelegate(echo: false)) { port, endpoint, _ in
            let open = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=3&transport=polling&j=4&b64=1")
            #expect(open.status == 200)
            #expect(open.header("content-type") == "text/javascript; charset=UTF-8")
            let payload = try jsonpArgument(open, index: "4")
            #expect(payload.range(of: #"^\d+:0\{"sid":"#, options: .regularExpression) != nil)
            let sid = try openPacketSID(payload)

            // Every later poll of the session is JSONP, with the handshake's index; binary goes
            // as base64 text and the escapes of JSON.stringify (plus U+2028/U+2029) apply.
            let connection = try #require(endpoint.connection(id: sid))
            #expect(connection.send([.text("q\"b\\s\nl\u{01}\u{2028}\u{2029}é"), .binary(ByteBuffer(bytes: [1, 2, 3]))]))
            let poll = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=3&transport=polling&j=4&b64=1&sid=\(sid)")
            #expect(poll.status == 200)
            #expect(poll.header("content-type") == "text/javascript; charset=UTF-8")
            #expect(poll.text == #"___eio[4]("12:4q\"b\\s\nl\u0001\u2028\u2029é6:b4AQID");"#)
            #expect(try jsonpArgument(poll, index: "4") == "12:4q\"b\\s\nl\u{01}\u{2028}\u{2029}é6:b4AQID")
        }
    }

    @Test func v3PostTakesAFormEncodedPayloadWithEscapedNewlines() async throws {
        try await withEngineServer(delegate: EngineTestDelegate(echo: false)) { port, _, delegate in
            let open = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=3&transport=polling&j=0&b64=1")
            let sid = try openPacketSID(try jsonpArgument(open, index: "0"))
            let target = "/engine.io/?EIO=3&transport=polling&j=0&b64=1&sid=\(sid)"
            // Payload `4:4x\ny` (backslash n: a newline), `5:4a\\nb` (an escaped one: backslash
            // n stays), `6:4hi yo` (`+` is a space), `2:4é` (percent-encoded UTF-8).
            let (headers, body) = formBody(#"4%3A4x%5Cny5:4a%5C%5Cnb6%3A4hi+yo2:4%C3%A9"#)
            let post = try await EngineTestConnection.request(port: port, "POST", target, headers: headers, body: body)
            #expect(post.status == 200)
            #expect(post.text == "ok")
            #expect(delegate.messages(from: sid) == [.text("x\ny"), .text("a\\nb"), .text("hi yo"), .text("é")])
        }
    }

    @Test func postWithoutDFieldIsIgnoredAndBadPayloadCloses() async throws {
        try await withEngineServer(delegate: EngineTestDelegate(echo: false)) { port, _, delegate in
            let open = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=3&transport=polling&j=1&b64=1")
            let sid = try openPacketSID(try jsonpArgument(open, index: "1"))
            let target = "/engine.io/?EIO=3&transport=polling&j=1&b64=1&sid=\(sid)"
            let form = [("Content-Type", "application/x-www-form-urlencoded")]
            for body in ["x=2:4a", "d=1:4&d=1:4", ""] {
                let post = try await EngineTestConnection.request(port: port, "POST", target, headers: form, body: ByteBuffer(string: body))
                #expect(post.status == 200, "body \(body)")
            }
            #expect(delegate.messages(from: sid).isEmpty)
            #expect(delegate.closeReason(sid) == nil)
            let bad = try await EngineTestConnection.request(port: port, "POST", target, headers: form, body: ByteBuffer(string: "d=9:4short"))
            #expect(bad.status == 400)
            #expect(await delegate.waitForClose(sid) == .parseError)
        }
    }

    @Test func callbackIndexKeepsOnlyDigits() async throws {
        try await withEngineServer { port, _, _ in
            let open = try await EngineTestConnection.request(
                port: port, "GET", "/engine.io/?EIO=3&transport=polling&j=%3Balert(1)%3B7&b64=1")
            #expect(open.text.hasPrefix("___eio[17](\""))
            _ = try openPacketSID(try jsonpArgument(open, index: "17"))
        }
    }

    @Test func v4SessionsAnswerJSONPToo() async throws {
        try await withEngineServer { port, _, delegate in
            let open = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling&j=2")
            let sid = try openPacketSID(try jsonpArgument(open, index: "2"))
            let target = "/engine.io/?EIO=4&transport=polling&j=2&sid=\(sid)"
            let (headers, body) = formBody("4one%1E4two")
            #expect(try await EngineTestConnection.request(port: port, "POST", target, headers: headers, body: body).status == 200)
            let poll = try await EngineTestConnection.request(port: port, "GET", target)
            #expect(poll.text == #"___eio[2]("4one\u001e4two");"#)
            #expect(delegate.messages(from: sid) == [.text("one"), .text("two")])
        }
    }

    @Test func plainPollingSessionsAreUnchanged() async throws {
        try await withEngineServer { port, _, _ in
            let open = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=3&transport=polling&b64=1")
            #expect(open.header("content-type")?.hasPrefix("text/plain") == true)
            #expect(!open.text.hasPrefix("___eio"))
        }
    }

    @Test func newlineUnescapingFollowsTheReferenceOrder() {
        func unescape(_ text: String) -> String { String(buffer: EngineJSONP.unescapeNewlines(Array(text.utf8))) }
        #expect(unescape(#"a\nb"#) == "a\nb")
        #expect(unescape(#"a\\nb"#) == #"a\nb"#)
        #expect(unescape(#"\\\n"#) == #"\\n"#)
        #expect(unescape(#"\x\"#) == #"\x\"#)
        #expect(unescape("plain") == "plain")
    }
}
