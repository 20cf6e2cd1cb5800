import NIOCore
@testable import SocketIO
import Testing
import TestSupport

@Suite("Engine.IO HTTP long-polling", .timeLimit(.minutes(1)))
struct EnginePollingTests {
    @Test func v4TextAndBinaryRoundTrip() async throws {
        try await withEngineServer { port, _, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let target = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
            let post = try await EngineTestConnection.request(port: port, "POST", target, text: "4hello\u{1e}4wörld\u{1e}bAQIDBA==")
            #expect(post.status == 200)
            #expect(post.text == "ok")
            let poll = try await EngineTestConnection.request(port: port, "GET", target)
            #expect(poll.status == 200)
            #expect(poll.text == "4hello\u{1e}4wörld\u{1e}bAQIDBA==")
            #expect(delegate.messages(from: sid) == [.text("hello"), .text("wörld"), .binary(ByteBuffer(bytes: [1, 2, 3, 4]))])
        }
    }

    @Test func parkedPollIsAnsweredWhenTheServerSends() async throws {
        try await withEngineServer(delegate: EngineTestDelegate(echo: false)) { port, endpoint, _ in
            let sid = try await engineOpenPollingSession(port: port)
            try await EngineTestConnection.with(port: port) { connection in
                try await connection.sendRequest("GET", "/engine.io/?EIO=4&transport=polling&sid=\(sid)")
                let connectionToClient = try #require(endpoint.connection(id: sid))
                // The poll is parked: whenever it arrives, the message is delivered by it.
                #expect(connectionToClient.send([.text("pushed"), .text("twice")]))
                let response = try await connection.readResponse()
                #expect(response.text == "4pushed\u{1e}4twice")
            }
        }
    }

    @Test func v3Base64PayloadsWithNonBMPCharacters() async throws {
        try await withEngineServer { port, _, delegate in
            let sid = try await engineOpenPollingSession(port: port, query: "EIO=3&b64=1")
            let target = "/engine.io/?EIO=3&transport=polling&b64=1&sid=\(sid)"
            // "4a😀b" is 5 UTF-16 code units (😀 is a surrogate pair) but 7 UTF-8 bytes.
            let post = try await EngineTestConnection.request(port: port, "POST", target, text: "5:4a😀b10:b4AQIDBA==")
            #expect(post.status == 200)
            let poll = try await EngineTestConnection.request(port: port, "GET", target)
            #expect(poll.text == "5:4a😀b10:b4AQIDBA==")
            #expect(poll.header("content-type")?.hasPrefix("text/plain") == true)
            #expect(delegate.messages(from: sid) == [.text("a😀b"), .binary(ByteBuffer(bytes: [1, 2, 3, 4]))])
        }
    }

    @Test func v3BinaryPayloads() async throws {
        try await withEngineServer { port, _, delegate in
            let sid = try await engineOpenPollingSession(port: port, query: "EIO=3")
            let target = "/engine.io/?EIO=3&transport=polling&sid=\(sid)"
            // A text packet "4é" (3 UTF-8 bytes) and a binary packet 0x04 0x09 0x08.
            let body = ByteBuffer(bytes: [0, 3, 0xFF, 0x34, 0xC3, 0xA9, 1, 3, 0xFF, 4, 9, 8])
            let post = try await EngineTestConnection.request(
                port: port, "POST", target, headers: [("Content-Type", "application/octet-stream")], body: body)
            #expect(post.status == 200)
            #expect(delegate.messages(from: sid) == [.text("é"), .binary(ByteBuffer(bytes: [9, 8]))])
            let poll = try await EngineTestConnection.request(port: port, "GET", target)
            #expect(poll.header("content-type") == "application/octet-stream")
            #expect(Array(poll.body.readableBytesView) == [0, 3, 0xFF, 0x34, 0xC3, 0xA9, 1, 3, 0xFF, 4, 9, 8])
        }
    }

    @Test func expectContinueIsAnswered() async throws {
        try await withEngineServer { port, _, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let (interim, final) = try await EngineTestConnection.with(port: port) { connection in
                let body = "4" + String(repeating: "c", count: 5000)
                try await connection.write(
                    "POST /engine.io/?EIO=4&transport=polling&sid=\(sid) HTTP/1.1\r\nHost: x\r\n"
                        + "Content-Length: \(body.utf8.count)\r\nExpect: 100-continue\r\n\r\n")
                let interim = try await connection.readResponse()
                try await connection.write(body)
                return (interim.status, try await connection.readResponse())
            }
            #expect(interim == 100)
            #expect(final.status == 200)
            #expect(final.text == "ok")
            #expect(delegate.messages(from: sid) == [.text(String(repeating: "c", count: 5000))])
        }
    }

    @Test func oversizedPostIsRejectedWith413() async throws {
        try await withEngineServer(EngineIOConfiguration(path: "/engine.io/", maxPayload: 100)) { port, endpoint, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let target = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
            let post = try await EngineTestConnection.request(
                port: port, "POST", target, text: "4" + String(repeating: "x", count: 200))
            #expect(post.status == 413)
            #expect(await delegate.waitForClose(sid) == .transportError("payload too large"))
            #expect(endpoint.connectionCount == 0)
            #expect(delegate.messages(from: sid).isEmpty)
        }
    }

    @Test func invalidPayloadClosesTheSession() async throws {
        try await withEngineServer { port, _, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let target = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
            let post = try await EngineTestConnection.request(port: port, "POST", target, text: "abc")
            #expect(post.status == 400)
            #expect(await delegate.waitForClose(sid) == .parseError)
            let poll = try await EngineTestConnection.request(port: port, "GET", target)
            #expect(poll.status == 400)
        }
    }

    @Test func duplicatePollClosesTheSession() async throws {
        try await withEngineServer { port, endpoint, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let target = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
            try await EngineTestConnection.with(port: port) { first in
                try await first.sendRequest("GET", target)
                #expect(await engineWaitUntil { endpoint.session(id: sid)?.hasPendingPoll == true })
                let second = try await EngineTestConnection.request(port: port, "GET", target + "&t=2")
                #expect(second.status == 400)
                let firstResponse = try await first.readResponse()
                #expect(firstResponse.status == 200)
                #expect(firstResponse.text == "1")
            }
            #expect(await delegate.waitForClose(sid) == .transportError("overlapping poll requests"))
            let after = try await EngineTestConnection.request(port: port, "GET", target)
            #expect(after.status == 400)
        }
    }

    @Test func overlappingPostsCloseTheSession() async throws {
        try await withEngineServer { port, endpoint, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let target = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
            try await EngineTestConnection.with(port: port) { first in
                // The first POST announces 10 bytes and sends 5: it stays active.
                try await first.write("POST \(target) HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n4half")
                let parked = await engineWaitUntil { endpoint.session(id: sid)?.hasActivePost == true }
                #expect(parked)
                let second = try await EngineTestConnection.request(port: port, "POST", target, text: "4other")
                #expect(second.status == 400)
                #expect(await delegate.waitForClose(sid) == .transportError("overlapping post requests"))
                try await first.write("-done")
                #expect(try await first.readResponse().status == 400)
            }
            #expect(delegate.messages(from: sid).isEmpty)
        }
    }

    @Test func clientClosePacketEndsTheSessionAndAnswersThePendingPollWithNoop() async throws {
        try await withEngineServer { port, endpoint, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let target = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
            try await EngineTestConnection.with(port: port) { poll in
                try await poll.sendRequest("GET", target)
                #expect(await engineWaitUntil { endpoint.session(id: sid)?.hasPendingPoll == true })
                let post = try await EngineTestConnection.request(port: port, "POST", target, text: "1")
                #expect(post.status == 200)
                let response = try await poll.readResponse()
                #expect(response.text == "6")
            }
            #expect(await delegate.waitForClose(sid) == .clientClose)
        }
    }

    @Test func serverCloseIsDeliveredToTheNextPoll() async throws {
        try await withEngineServer(delegate: EngineTestDelegate(echo: false)) { port, endpoint, delegate in
            let sid = try await engineOpenPollingSession(port: port)
            let connection = try #require(endpoint.connection(id: sid))
            connection.send([.text("bye")])
            connection.close()
            let poll = try await EngineTestConnection.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling&sid=\(sid)")
            #expect(poll.text == "4bye\u{1e}1")
            #expect(delegate.closeReason(sid) == .serverClose)
            #expect(connection.send([.text("late")]) == false)
        }
    }
}
