import SocketIO
import Testing

/// The assertions on one run of the interop scenario, shared by the reference clients: what the
/// client printed and what the server recorded must match the scenario's expected behaviour.
enum InteropScenarioChecks {
    /// `{"$bin": hex}`, how the client scripts print bytes.
    static func bin(_ hex: String) -> JSONValue { ["$bin": .string(hex)] }

    /// Before the test shuts the server down: waits (with a deadline) until the server has read
    /// the disconnects the clients asked for. A client reports its own disconnect at once, while
    /// its close may still be in flight (a polling POST), and a shutdown that overtakes it would
    /// be recorded as the reason instead.
    static func awaitClientDisconnects(_ recorder: InteropRecorder) async {
        _ = await engineWaitUntil(timeout: 10) {
            let server = recorder.observations
            return server.contains("alice", "disconnect", namespace: "/") && server.contains("bob", "disconnect", namespace: "/")
        }
    }

    /// Waits (with a deadline) for the server to notice the last disconnects, then runs every check.
    static func checkAll(_ combination: InteropCombination, client: InteropObservations, recorder: InteropRecorder) async {
        let settled = await engineWaitUntil {
            let server = recorder.observations
            return server.contains("alice", "disconnect", namespace: "/")
                && server.contains("alice", "disconnect", namespace: "/chat")
                && server.contains("bob", "disconnect", namespace: "/")
                && server.contains("dave", "disconnect", namespace: "/")
        }
        let server = recorder.observations
        #expect(settled, "server did not see every disconnect:\n\(server)")
        let context = "client:\n\(client)\nserver:\n\(server)"
        checkConnections(combination, client: client, server: server, context: context)
        checkEventsAndAcks(combination, client: client, server: server, context: context)
        checkRoomsAndBroadcasts(client: client, context: context)
        checkTransportsAndDisconnects(combination, client: client, server: server, context: context)
    }

    /// Connects (with auth for v5), refusals on the main namespace and on a custom one, an
    /// unknown namespace, and the socket ids both sides agree on.
    static func checkConnections(
        _ combination: InteropCombination, client: InteropObservations, server: InteropObservations, context: String
    ) {
        // Wrong credentials: the main namespace middleware refuses carol.
        #expect(server.contains("carol", "refused", namespace: "/"), "\(context)")
        #expect(!server.contains("carol", "connect"), "\(context)")
        let carolError = client.first("carol", "connect_error", namespace: "/")?["data"]
        let expectedCarolError: JSONValue = combination.client.speaksV5
            ? [["message": "Not authorized", "data": ["code": 401]]] : [["code": 401]]
        #expect(InteropObservations.same(carolError, expectedCarolError), "\(context)")
        if combination.client.speaksV5 {
            #expect(client.contains("carol", "connect_failed"), "\(context)")
        }

        // alice: main namespace, /chat; /private refused by its middleware; /nowhere unknown.
        let serverMain = server.first("alice", "connect", namespace: "/")
        let clientMain = client.first("alice", "connect", namespace: "/")
        #expect(serverMain != nil && serverMain?["id"] == clientMain?["sid"], "\(context)")
        if combination.client.speaksV5 {
            #expect(InteropObservations.same(serverMain?["auth"], ["token": "s3cret", "client": "alice"]), "\(context)")
        } else {
            // Protocol v4: the socket id of the main namespace is the Engine.IO id.
            #expect(serverMain?["id"] != nil && serverMain?["id"] == serverMain?["engineId"], "\(context)")
            #expect(serverMain?["auth"] == .null, "\(context)")
        }
        let serverChat = server.first("alice", "connect", namespace: "/chat")
        let clientChat = client.first("alice", "connect", namespace: "/chat")
        #expect(serverChat != nil && serverChat?["id"] == clientChat?["sid"], "\(context)")
        if !combination.client.speaksV5, let engineId = serverMain?["engineId"]?.stringValue {
            #expect(serverChat?["id"]?.stringValue == "/chat#\(engineId)", "\(context)")
        }
        let chatWelcome = client.first("alice", "received", namespace: "/chat", where: "name", is: "chat-welcome")
        #expect(chatWelcome?["args"] == ["/chat", serverChat?["id"] ?? .null], "\(context)")

        #expect(server.contains("alice", "refused", namespace: "/private"), "\(context)")
        #expect(!server.contains("alice", "connect", namespace: "/private"), "\(context)")
        let privateError = client.first("alice", "connect_error", namespace: "/private")?["data"]
        let expectedPrivateError: JSONValue = combination.client.speaksV5
            ? [["message": "private is closed", "data": ["code": 403]]] : [["code": 403]]
        #expect(InteropObservations.same(privateError, expectedPrivateError), "\(context)")
        let nowhereError = client.first("alice", "connect_error", namespace: "/nowhere")?["data"]
        let expectedNowhereError: JSONValue = combination.client.speaksV5 ? [["message": "Invalid namespace"]] : ["Invalid namespace"]
        #expect(InteropObservations.same(nowhereError, expectedNowhereError), "\(context)")
        #expect(!client.contains("alice", "connect", namespace: "/private"), "\(context)")
        #expect(!client.contains("alice", "connect", namespace: "/nowhere"), "\(context)")

        // Server -> client event with a binary attachment.
        let welcome = client.first("alice", "received", namespace: "/", where: "name", is: "welcome")
        let expectedWelcome: JSONValue = [
            ["id": clientMain?["sid"] ?? .null, "name": "alice", "protocol": combination.client.speaksV5 ? 5 : 4], bin("deadbeef"),
        ]
        #expect(InteropObservations.same(welcome?["args"], expectedWelcome), "\(context)")
    }

    /// Client -> server events with and without acks, binary both ways, and the server's
    /// `emitWithAck` answered by the client.
    static func checkEventsAndAcks(
        _ combination: InteropCombination, client: InteropObservations, server: InteropObservations, context: String
    ) {
        let echoArguments: [JSONValue] = [
            "text é😀", 42, ["nested": [1, 2.5, nil, true]], .binary(.init(bytes: [0x00, 0x01, 0xFE, 0xFF])),
        ]
        let echoed = server.first("alice", "echo", where: "args", is: .array(echoArguments))
        #expect(echoed?["ack"] == true, "the server saw no echo with an ack: \(context)")
        let echoAck = client.first("alice", "ack", where: "what", is: "echo")?["args"]
        #expect(echoAck == ["text é😀", 42, ["nested": [1, 2.5, nil, true]], bin("0001feff")], "\(context)")

        let called = server.first("alice", "echo", where: "args", is: ["called", .binary(.init(bytes: [0x07, 0x08]))])
        #expect(called?["ack"] == true, "\(context)")
        #expect(client.first("alice", "call_result")?["args"] == ["called", bin("0708")], "\(context)")

        let noAck = server.first("alice", "no-ack")
        #expect(noAck?["args"] == ["fire and forget"] && noAck?["ack"] == false, "\(context)")

        #expect(server.first("alice", "chat-echo", namespace: "/chat")?["args"]
                == ["in chat", .binary(.init(bytes: [0xAB]))], "\(context)")
        #expect(client.first("alice", "ack", where: "what", is: "chat-echo")?["args"] == ["in chat", bin("ab")], "\(context)")

        // emitWithAck: the client got the question (binary included) and its answer reached the server.
        #expect(client.first("alice", "question")?["args"] == ["what?", bin("cafe")], "\(context)")
        #expect(server.first("alice", "question-acked")?["args"]
                == ["answer", .binary(.init(bytes: [0x10, 0x20, 0x30]))], "\(context)")
        #expect(!server.contains("alice", "question-failed"), "\(context)")
        #expect(client.first("alice", "received", where: "name", is: "answer-received")?["args"]
                == ["answer", bin("102030")], "\(context)")

        // emitWithAck of an event the client has no handler for.
        let unanswered = client.first("alice", "received", where: "name", is: "unanswered-outcome")?["args"]
        if combination.client.acksUnhandledEvents {
            #expect(server.first("alice", "unanswered-acked")?["args"] == [], "\(context)")
            #expect(unanswered == [], "\(context)")
        } else {
            #expect(server.first("alice", "unanswered-failed")?["error"] == "timeout", "\(context)")
            #expect(unanswered == [["error": "timeout"]], "\(context)")
        }
    }

    /// Room broadcasts reach only the room's members; a broadcast to all reaches everyone.
    static func checkRoomsAndBroadcasts(client: InteropObservations, context: String) {
        #expect(client.first("alice", "ack", where: "what", is: "join")?["args"] == ["joined", "room-a"], "\(context)")
        #expect(client.first("bob", "ack", where: "what", is: "join")?["args"] == ["joined", "room-b"], "\(context)")
        // Each room has one member.
        #expect(client.first("alice", "ack", where: "what", is: "room-say-a")?["args"] == [1], "\(context)")
        #expect(client.first("alice", "ack", where: "what", is: "room-say-b")?["args"] == [1], "\(context)")
        let aliceRoom = client.all("alice", "received").filter { $0["name"] == "room-msg" }.map { $0["args"] }
        let bobRoom = client.all("bob", "received").filter { $0["name"] == "room-msg" }.map { $0["args"] }
        #expect(aliceRoom == [["room-a", "hi room a"]], "\(context)")
        #expect(bobRoom == [["room-b", "hi room b"]], "\(context)")
        for name in ["alice", "bob"] {
            let all = client.all(name, "received").filter { $0["name"] == "all-msg" }.map { $0["args"] }
            #expect(all == [["hello everyone"]], "\(name): \(context)")
        }
    }

    /// The transport the clients ended on, and disconnects noticed on both sides with reasons.
    static func checkTransportsAndDisconnects(
        _ combination: InteropCombination, client: InteropObservations, server: InteropObservations, context: String
    ) {
        if combination.client == .javascript && combination.transport == "upgrade" {
            // The JS client probes the WebSocket in the background and reports the outcome.
            for name in ["alice", "bob"] {
                #expect(client.first(name, "upgrade_result")?["ok"] == true, "\(name)'s upgrade failed: \(context)")
            }
        }
        let expectedTransport: JSONValue = combination.transport == "polling" ? "polling" : "websocket"
        #expect(client.first("alice", "transport")?["transport"] == expectedTransport, "\(context)")
        #expect(client.first("bob", "transport")?["transport"] == expectedTransport, "\(context)")

        // The server disconnected bob.
        #expect(server.first("bob", "disconnect", namespace: "/")?["reason"] == "server namespace disconnect", "\(context)")
        let bobDisconnect = client.first("bob", "disconnect", namespace: "/")
        #expect(bobDisconnect != nil, "\(context)")
        if let reason = combination.client.serverDisconnectReason {
            #expect(bobDisconnect?["reason"] == .string(reason), "\(context)")
        }

        // alice left /chat first (deterministically before her next acked event), then
        // disconnected the main namespace.
        #expect(server.first("alice", "disconnect", namespace: "/chat")?["reason"] == "client namespace disconnect",
                "\(context)")
        let mainReason = server.first("alice", "disconnect", namespace: "/")?["reason"]?.stringValue ?? "none"
        #expect(combination.client.serverReasonsForClientDisconnect.contains(mainReason), "\(mainReason): \(context)")
        let leftChat = server.position("alice", "disconnect", namespace: "/chat")
        let echoedAfterLeaving = server.position("alice", "echo", where: "args", is: ["after leaving /chat"])
        #expect(leftChat != nil && echoedAfterLeaving != nil && leftChat! < echoedAfterLeaving!, "\(context)")
        if let reason = combination.client.clientDisconnectReason {
            #expect(client.first("alice", "disconnect", namespace: "/")?["reason"] == .string(reason), "\(context)")
        } else {
            #expect(client.contains("alice", "disconnect_requested", namespace: "/"), "\(context)")
        }
        // The graceful shutdown disconnected dave.
        #expect(server.first("dave", "disconnect", namespace: "/")?["reason"] == "server shutting down", "\(context)")
        let daveDisconnect = client.first("dave", "disconnect", namespace: "/")
        #expect(daveDisconnect != nil || client.contains("dave", "engine_closed"), "\(context)")
        if !combination.client.serverShutdownReasons.isEmpty {
            let reason = daveDisconnect?["reason"]?.stringValue ?? "none"
            #expect(combination.client.serverShutdownReasons.contains(reason), "\(reason): \(context)")
        }
        if combination.client.reportsOwnNamespaceDisconnect, let reason = combination.client.clientDisconnectReason {
            #expect(client.first("alice", "disconnect", namespace: "/chat")?["reason"] == .string(reason), "\(context)")
        } else {
            #expect(client.contains("alice", "disconnect_requested", namespace: "/chat"), "\(context)")
        }
    }
}
