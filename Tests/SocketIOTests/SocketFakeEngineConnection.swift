import NIOCore
import SocketIO
import Synchronization

/// An in-memory `EngineConnection` that records everything the Socket.IO layer sends.
final class FakeEngineConnection: EngineConnection {
    enum Sent {
        case messages([EngineMessage])
        case shared(SharedEngineMessages)

        var messages: [EngineMessage] {
            switch self {
            case .messages(let messages): messages
            case .shared(let shared): shared.messages
            }
        }
    }

    let id: String
    let protocolVersion: EngineProtocolVersion
    let request: EngineRequestInfo

    private struct State {
        var sent: [Sent] = []
        var closed = false
        var closeCalls = 0
    }

    private let state = Mutex(State())

    init(id: String = "engine-\(UInt32.random(in: 0...UInt32.max))", version: EngineProtocolVersion = .v4,
         query: [String: String] = [:], headers: [(name: String, value: String)] = []) {
        self.id = id
        self.protocolVersion = version
        self.request = EngineRequestInfo(headers: headers, query: query, remoteAddress: "127.0.0.1:1")
    }

    func send(_ messages: [EngineMessage]) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.sent.append(.messages(messages))
            return true
        }
    }

    func send(_ shared: SharedEngineMessages) -> Bool {
        state.withLock { state in
            guard !state.closed else { return false }
            state.sent.append(.shared(shared))
            return true
        }
    }

    func close() {
        state.withLock {
            $0.closed = true
            $0.closeCalls += 1
        }
    }

    var isClosed: Bool { state.withLock { $0.closed } }
    var sent: [Sent] { state.withLock { $0.sent } }

    /// Every message sent, flattened.
    var messages: [EngineMessage] { sent.flatMap(\.messages) }

    /// The text messages sent, in order.
    var texts: [String] {
        messages.compactMap { if case .text(let text) = $0 { text } else { nil } }
    }

    /// Forgets what was sent so far.
    func clear() { state.withLock { $0.sent = [] } }
}

/// A server with one fake connection, driven like an engine would.
struct SocketTestClient {
    let server: SocketIOServer
    let connection: FakeEngineConnection

    init(server: SocketIOServer, version: EngineProtocolVersion = .v4, query: [String: String] = [:]) {
        self.server = server
        self.connection = FakeEngineConnection(version: version, query: query)
        server.engineConnectionOpened(connection)
    }

    func receive(_ text: String) {
        server.engineConnection(connection, received: .text(text))
    }

    func receive(binary bytes: [UInt8]) {
        server.engineConnection(connection, received: .binary(ByteBuffer(bytes: bytes)))
    }

    func close(_ reason: EngineCloseReason = .transportClose) {
        server.engineConnectionClosed(connection, reason: reason)
    }

    /// Sends CONNECT for `namespace` (v5) and returns the sid of the reply, or nil if refused.
    @discardableResult
    func connect(_ namespace: String = "/", auth: String? = nil) -> String? {
        let before = connection.texts.count
        let prefix = namespace == "/" ? "0" : "0\(namespace),"
        receive(prefix + (auth ?? ""))
        for text in connection.texts[before...] where text.hasPrefix(prefix + "{") {
            let json = try? JSONValue(parsing: String(text.dropFirst(prefix.count)))
            return json?["sid"]?.stringValue
        }
        return nil
    }
}

/// Thread-safe recorder of values seen by handlers.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
    var count: Int { values.withLock { $0.count } }
}
