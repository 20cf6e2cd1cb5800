import Logging
import Synchronization

/// The Socket.IO state of one Engine.IO connection: its packet decoder and its sockets, one per
/// namespace. Driven by the server's delegate calls, which are serialized per connection.
final class SocketIOClient: Sendable {
    let connection: any EngineConnection
    let version: SocketIOProtocolVersion
    let server: SocketIOServer

    struct State {
        var decoder: SocketIOPacketDecoder
        var sockets: [String: SocketIOSocket] = [:]
        var closed = false
        var connectTimeoutChecked = false
    }

    /// When the Engine.IO connection opened.
    let openedAt = ContinuousClock.now

    private let state: Mutex<State>

    init(connection: any EngineConnection, server: SocketIOServer) {
        self.connection = connection
        self.version = SocketIOProtocolVersion(engine: connection.protocolVersion)
        self.server = server
        self.state = Mutex(State(decoder: SocketIOPacketDecoder(version: version, limits: server.configuration.decoderLimits)))
    }

    /// The sockets of this connection, by namespace.
    var sockets: [String: SocketIOSocket] { state.withLock { $0.sockets } }

    /// Closes the connection if it has not joined a namespace within `timeout` of opening (checked
    /// once, as the reference server does). Returns whether it closed it.
    func checkConnectTimeout(_ timeout: Duration, now: ContinuousClock.Instant) -> Bool {
        guard now - openedAt >= timeout else { return false }
        let expired = state.withLock { state -> Bool in
            guard !state.connectTimeoutChecked, !state.closed else { return false }
            state.connectTimeoutChecked = true
            return state.sockets.isEmpty
        }
        guard expired else { return false }
        server.logger.debug("closing connection that joined no namespace", metadata: ["engine_id": "\(connection.id)"])
        close(reason: .forcedServerClose)
        connection.close()
        return true
    }

    /// Handles one Engine.IO message.
    func receive(_ message: EngineMessage) {
        let result = state.withLock { state -> Result<SocketIOPacket?, SocketIOProtocolError> in
            guard !state.closed else { return .success(nil) }
            return Result { () throws(SocketIOProtocolError) -> SocketIOPacket? in try state.decoder.decode(message) }
        }
        switch result {
        case .success(let packet?):
            dispatch(packet)
        case .success(nil):
            break
        case .failure(let error):
            server.logger.debug("closing connection after a malformed packet", metadata: [
                "engine_id": "\(connection.id)", "error": "\(error.reason)",
            ])
            close(reason: .parseError)
            connection.close()
        }
    }

    private func dispatch(_ packet: SocketIOPacket) {
        if packet.type == .connect {
            switch version {
            case .v4:
                let (name, query) = Self.splitNamespaceQuery(packet.namespace)
                connect(namespace: name, auth: nil, query: query)
            case .v5:
                connect(namespace: packet.namespace, auth: packet.data, query: [:])
            }
            return
        }
        let socket = state.withLock { $0.sockets[packet.namespace] }
        socket?.handle(packet)
    }

    /// Joins a namespace (after the policy, recovery and the middlewares agree).
    func connect(namespace name: String, auth: JSONValue?, query: [String: String]) {
        let alreadyConnected = state.withLock { $0.closed || $0.sockets[name] != nil }
        guard !alreadyConnected else { return }
        var mergedQuery = connection.request.query
        mergedQuery.merge(query) { _, new in new }
        let handshake = SocketIOHandshake(
            engineId: connection.id, protocolVersion: version, headers: connection.request.headers,
            query: mergedQuery, remoteAddress: connection.request.remoteAddress, auth: auth)
        guard let namespace = server.namespace(forConnecting: name, handshake: handshake) else {
            sendConnectError(namespace: name, SocketIOConnectionRefusal("Invalid namespace"))
            return
        }
        var restored: SocketIORecoveryBuffer.Restored?
        if version == .v5, let recovery = namespace.recovery, case .string(let pid)? = auth?["pid"],
            case .string(let offset)? = auth?["offset"]
        {
            restored = recovery.restore(pid: pid, offset: offset)
        }
        let id: String
        if let restored {
            id = restored.socketId
        } else if version == .v4 {
            id = name == "/" ? connection.id : "\(name)#\(connection.id)"
        } else {
            id = SocketIOIdentifier.random()
        }
        let pid = restored?.pid ?? (namespace.recovery != nil ? SocketIOIdentifier.random() : nil)
        let socket = SocketIOSocket(
            id: id, pid: pid, namespace: namespace, handshake: handshake, recovered: restored != nil, client: self)
        let skipMiddlewares = restored != nil && (namespace.recovery?.settings.skipMiddlewares ?? false)
        if !skipMiddlewares {
            for middleware in namespace.middlewares {
                do {
                    try middleware(socket)
                } catch let refusal as SocketIOConnectionRefusal {
                    sendConnectError(namespace: name, refusal)
                    return
                } catch {
                    sendConnectError(namespace: name, SocketIOConnectionRefusal("\(error)"))
                    return
                }
            }
        }
        let added = state.withLock { state -> Bool in
            guard !state.closed else { return false }
            state.sockets[name] = socket
            return true
        }
        guard added else { return }
        namespace.add(socket, rooms: restored?.rooms ?? [])
        var reply = SocketIOPacket(type: .connect, namespace: name)
        if version == .v5 {
            var members: [(key: String, value: JSONValue)] = [("sid", .string(id))]
            if let pid { members.append(("pid", .string(pid))) }
            reply.data = .object(members)
        }
        var messages = SocketIOPacketEncoder.encode(reply)
        for missed in restored?.missedPackets ?? [] { messages.append(contentsOf: missed) }
        connection.send(messages)
        for handler in namespace.connectionHandlers { handler(socket) }
    }

    private func sendConnectError(namespace: String, _ refusal: SocketIOConnectionRefusal) {
        let data: JSONValue
        switch version {
        case .v5:
            var members: [(key: String, value: JSONValue)] = [("message", .string(refusal.message))]
            if let extra = refusal.data { members.append(("data", extra)) }
            data = .object(members)
        case .v4:
            data = refusal.data ?? .string(refusal.message)
        }
        connection.send(SocketIOPacketEncoder.encode(SocketIOPacket(type: .connectError, namespace: namespace, data: data)))
    }

    func remove(_ socket: SocketIOSocket) {
        state.withLock { state in
            if state.sockets[socket.namespace.name] === socket { state.sockets[socket.namespace.name] = nil }
        }
    }

    /// Closes every socket with `reason`; no further packets are handled.
    func close(reason: SocketIODisconnectReason) {
        let sockets = state.withLock { state -> [SocketIOSocket] in
            state.closed = true
            return Array(state.sockets.values)
        }
        for socket in sockets { socket.didClose(reason) }
    }

    /// Disconnects every socket (each client namespace gets a DISCONNECT) and closes the connection.
    func disconnectAllAndClose() {
        let sockets = state.withLock { Array($0.sockets.values) }
        for socket in sockets { socket.disconnect() }
        close(reason: .forcedServerClose)
        connection.close()
    }

    /// Splits a protocol v4 namespace (`/admin?token=abc`) into its name and query.
    static func splitNamespaceQuery(_ namespace: String) -> (String, [String: String]) {
        guard let mark = namespace.firstIndex(of: "?") else { return (namespace, [:]) }
        let name = String(namespace[..<mark])
        var query: [String: String] = [:]
        for pair in namespace[namespace.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(parts[0])
            let value = parts.count > 1 ? percentDecode(parts[1]) : ""
            query[key] = value
        }
        return (name, query)
    }

    static func percentDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
                let high = hexValue(iterator[iterator.startIndex]),
                let low = hexValue(iterator[iterator.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
