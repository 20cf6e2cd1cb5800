import Logging
import NIOCore
import ServiceLifecycle
import SocketIO

/// The real server stack for the interop tests: an `EngineIOServer` on a free loopback port with
/// an `EngineIOEndpoint` at `/socket.io/` whose delegate is a `SocketIOServer`, run as services in
/// a `ServiceGroup` and shut down gracefully at the end.
///
/// The Socket.IO handlers implement the scenario the client scripts drive (see
/// `Clients/python_interop_client.py`); every handler records what it saw in an `InteropRecorder`.
enum InteropServer {
    /// The auth token (v5 auth payload, or `token` query parameter) the main namespace accepts.
    static let token = "s3cret"
    /// The binary attachment of the `welcome` event.
    static let welcomeBytes: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF]

    /// Runs the stack for the duration of `body` (`fallback` answers requests for other paths), which gets the bound port, the recorder, and a
    /// function that starts the graceful shutdown early (it happens anyway when `body` returns).
    /// `scenario` replaces the default handlers; `engine` configures the endpoint.
    static func run<Result: Sendable>(
        fallback: EngineHTTPFallback? = nil,
        engine: EngineIOConfiguration = EngineIOConfiguration(path: "/socket.io/"),
        scenario: ((SocketIOServer, InteropRecorder) -> Void)? = nil,
        _ body: (_ port: Int, _ recorder: InteropRecorder, _ shutDown: @Sendable () async -> Void) async throws -> Result
    ) async throws -> Result {
        var logger = Logger(label: "sio-interop")
        logger.logLevel = .warning
        let recorder = InteropRecorder()
        let io = SocketIOServer(logger: logger)
        let questions = InteropQuestionService(recorder: recorder)
        if let scenario {
            scenario(io, recorder)
        } else {
            configure(io, recorder: recorder, questions: questions)
        }
        let endpoint = try EngineIOEndpoint(configuration: engine, delegate: io, logger: logger)
        let engine = EngineIOServer(host: "127.0.0.1", port: 0, endpoints: [endpoint], fallback: fallback, logger: logger)
        let group = ServiceGroup(services: [engine, io, questions], logger: logger)

        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Swift.Result<Result, any Error>
            do {
                let port = try await engine.boundPort
                result = .success(try await body(port, recorder, { await group.triggerGracefulShutdown() }))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// Installs the scenario's middlewares and handlers.
    static func configure(_ io: SocketIOServer, recorder: InteropRecorder, questions: InteropQuestionService) {
        io.main.use { socket in
            let token = socket.handshake.auth?["token"]?.stringValue ?? socket.handshake.query["token"]
            guard token == Self.token else {
                recorder.record(socket.handshake.query["name"] ?? "?", "refused", namespace: "/")
                throw SocketIOConnectionRefusal("Not authorized", data: ["code": 401])
            }
        }
        io.main.onConnection { socket in
            let name = socket.handshake.query["name"] ?? "?"
            let version: JSONValue = socket.handshake.protocolVersion == .v5 ? 5 : 4
            recorder.record(name, "connect", namespace: "/", [
                ("id", .string(socket.id)), ("engineId", .string(socket.handshake.engineId)),
                ("auth", socket.handshake.auth ?? .null),
            ])
            socket.emit("welcome", ["id": .string(socket.id), "name": .string(name), "protocol": version],
                        .binary(ByteBuffer(bytes: welcomeBytes)))
            socket.on("echo") { arguments, ack in
                recorder.record(name, "echo", namespace: "/", [("args", .array(arguments)), ("ack", .bool(ack != nil))])
                ack?.send(arguments)
            }
            socket.on("no-ack") { arguments, ack in
                recorder.record(name, "no-ack", namespace: "/", [("args", .array(arguments)), ("ack", .bool(ack != nil))])
            }
            socket.on("ask-me") { _, _ in
                questions.ask(.init(socket: socket, event: "question", arguments: InteropQuestionService.question,
                                    timeout: .seconds(10), outcomeEvent: "answer-received"))
            }
            socket.on("ask-unanswered") { _, _ in
                // No client registers a handler for "unanswered": the python clients still ack
                // (with no arguments), the JS client does not (the server times out).
                questions.ask(.init(socket: socket, event: "unanswered", arguments: [1],
                                    timeout: .milliseconds(300), outcomeEvent: "unanswered-outcome"))
            }
            socket.on("join") { arguments, ack in
                guard let room = arguments.first?.stringValue else { return }
                socket.join(room)
                ack?("joined", .string(room))
            }
            socket.on("room-say") { arguments, ack in
                guard arguments.count == 2, let room = arguments[0].stringValue else { return }
                let queued = socket.namespace.to(room).emit("room-msg", arguments)
                ack?(.int(Int64(queued)))
            }
            socket.on("broadcast-all") { arguments, _ in
                io.emit("all-msg", arguments)
            }
            socket.on("kick-me") { _, _ in
                socket.disconnect()
            }
            socket.onDisconnect { reason in
                recorder.record(name, "disconnect", namespace: "/", [("reason", .string(reason.description))])
            }
        }

        let chat = io.of("/chat")
        chat.onConnection { socket in
            let name = socket.handshake.query["name"] ?? "?"
            recorder.record(name, "connect", namespace: "/chat", [("id", .string(socket.id))])
            socket.emit("chat-welcome", .string(chat.name), .string(socket.id))
            socket.on("chat-echo") { arguments, ack in
                recorder.record(name, "chat-echo", namespace: "/chat", [("args", .array(arguments))])
                ack?.send(arguments)
            }
            socket.onDisconnect { reason in
                recorder.record(name, "disconnect", namespace: "/chat", [("reason", .string(reason.description))])
            }
        }

        io.of("/private").use { socket in
            recorder.record(socket.handshake.query["name"] ?? "?", "refused", namespace: "/private")
            throw SocketIOConnectionRefusal("private is closed", data: ["code": 403])
        }
    }
}
