import Synchronization

/// A client's membership of one namespace.
///
/// Handlers registered with ``on(_:_:)``, ``onAny(_:)`` and ``onDisconnect(_:)`` are called on the
/// connection's engine thread, in packet order, one at a time; they must not block. Emitting,
/// joining and leaving rooms are safe from any thread.
public final class SocketIOSocket: Sendable {
    /// Handles one event: its arguments and, if the client asked for one, the acknowledgement.
    public typealias EventHandler = @Sendable ([JSONValue], SocketIOAcknowledgement?) -> Void
    /// Handles any event: its name, arguments and acknowledgement.
    public typealias AnyEventHandler = @Sendable (String, [JSONValue], SocketIOAcknowledgement?) -> Void
    /// Called once when the socket leaves its namespace.
    public typealias DisconnectHandler = @Sendable (SocketIODisconnectReason) -> Void

    /// The socket id (the `sid` of the CONNECT reply; for protocol v4 clients the Engine.IO id,
    /// prefixed with `namespace#` outside the main namespace).
    public let id: String
    /// The namespace the socket belongs to.
    public let namespace: SocketIONamespace
    /// The handshake and auth information of the connection.
    public let handshake: SocketIOHandshake
    /// Whether this socket continues a disconnected session (connection state recovery).
    public let recovered: Bool
    /// The private session id used for connection state recovery, if recovery is on.
    let pid: String?
    /// The underlying Engine.IO connection.
    public let connection: any EngineConnection
    let client: SocketIOClient

    struct State {
        var connected = true
        var handlers: [String: [EventHandler]] = [:]
        var anyHandlers: [AnyEventHandler] = []
        var disconnectHandlers: [DisconnectHandler] = []
        var pendingAcks: [Int: SocketIOAckWaiter] = [:]
        var nextAckId = 0
    }

    private let state = Mutex(State())

    init(
        id: String, pid: String?, namespace: SocketIONamespace, handshake: SocketIOHandshake, recovered: Bool,
        client: SocketIOClient
    ) {
        self.id = id
        self.pid = pid
        self.namespace = namespace
        self.handshake = handshake
        self.recovered = recovered
        self.client = client
        self.connection = client.connection
    }

    /// Whether the socket is still in its namespace.
    public var isConnected: Bool { state.withLock { $0.connected } }

    // MARK: Handlers

    /// Registers a handler for the event `event`.
    public func on(_ event: String, _ handler: @escaping EventHandler) {
        state.withLock { $0.handlers[event, default: []].append(handler) }
    }

    /// Registers a handler called for every event, before the event's own handlers.
    public func onAny(_ handler: @escaping AnyEventHandler) {
        state.withLock { $0.anyHandlers.append(handler) }
    }

    /// Registers a handler called once when the socket disconnects.
    public func onDisconnect(_ handler: @escaping DisconnectHandler) {
        state.withLock { $0.disconnectHandlers.append(handler) }
    }

    // MARK: Emitting

    /// Sends an event to this client. Returns false if the socket is disconnected or its
    /// connection refused the message (closed, or outbound queue full).
    ///
    /// With connection state recovery on, the event is recorded (and gets an offset) like a
    /// broadcast, so a client that reconnects gets it again if it missed it.
    @discardableResult
    public func emit(_ event: String, _ arguments: JSONValue...) -> Bool {
        emit(event, arguments)
    }

    /// Sends an event to this client (see ``emit(_:_:)-(String,JSONValue...)``).
    @discardableResult
    public func emit(_ event: String, _ arguments: [JSONValue]) -> Bool {
        guard isConnected, !SocketIOPacketDecoder.reservedEvents.contains(event) else { return false }
        if namespace.recovery != nil {
            return namespace.broadcast([SocketIOEvent(event, arguments)], rooms: [id], except: []) > 0
        }
        return connection.send(SocketIOPacketEncoder.encodeEvent(namespace: namespace.name, name: event,
                                                                 arguments: arguments))
    }

    /// Sends an event to this client only, never recorded for connection state recovery. For
    /// per-client state such as a cache sent on connect: such emits must not fill the recovery
    /// buffer and push out the broadcasts other clients need to recover. With recovery on, the
    /// event carries the offset of the newest recorded broadcast (so a client that drops right
    /// after it resumes from there). Returns false if the socket is disconnected or its
    /// connection refused the message.
    @discardableResult
    public func emitUnrecorded(_ event: String, _ arguments: [JSONValue]) -> Bool {
        guard isConnected, !SocketIOPacketDecoder.reservedEvents.contains(event) else { return false }
        var arguments = arguments
        if let recovery = namespace.recovery { arguments.append(.string(recovery.currentOffset)) }
        return connection.send(SocketIOPacketEncoder.encodeEvent(namespace: namespace.name, name: event,
                                                                 arguments: arguments))
    }

    /// Sends an event and waits for the client's acknowledgement; returns its arguments.
    ///
    /// Throws ``SocketIOAckError/timeout`` if none arrives within `timeout`,
    /// ``SocketIOAckError/disconnected`` if the socket disconnects first, and
    /// ``SocketIOAckError/cancelled`` if the calling task is cancelled.
    public func emitWithAck(
        _ event: String, _ arguments: [JSONValue], timeout: Duration = .seconds(10)
    ) async throws -> [JSONValue] {
        guard !SocketIOPacketDecoder.reservedEvents.contains(event) else { throw SocketIOAckError.reservedEventName }
        let waiter = SocketIOAckWaiter()
        let ackId = state.withLock { state -> Int? in
            guard state.connected else { return nil }
            let ackId = state.nextAckId
            state.nextAckId = (state.nextAckId + 1) & 0x7fff_ffff
            state.pendingAcks[ackId] = waiter
            return ackId
        }
        guard let ackId else { throw SocketIOAckError.disconnected }
        let messages = SocketIOPacketEncoder.encodeEvent(namespace: namespace.name, name: event,
                                                         arguments: arguments, id: ackId)
        guard connection.send(messages) else {
            failAck(ackId, .disconnected)
            throw SocketIOAckError.disconnected
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await Task.sleep(for: timeout)
                self.failAck(ackId, .timeout)
            }
            defer { group.cancelAll() }
            return try await withTaskCancellationHandler {
                try await waiter.wait()
            } onCancel: {
                self.failAck(ackId, .cancelled)
            }
        }
    }

    private func failAck(_ ackId: Int, _ error: SocketIOAckError) {
        let waiter = state.withLock { $0.pendingAcks.removeValue(forKey: ackId) }
        waiter?.complete(.failure(error))
    }

    /// Targets every socket of the namespace but this one.
    public var broadcast: SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: namespace, rooms: [], except: [id])
    }

    /// Targets the sockets in `rooms`, except this one.
    public func to(_ rooms: String...) -> SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: namespace, rooms: Set(rooms), except: [id])
    }

    // MARK: Rooms

    /// Joins rooms.
    public func join(_ rooms: String...) {
        namespace.join(self, rooms: rooms)
    }

    /// Joins rooms.
    public func join(_ rooms: [String]) {
        namespace.join(self, rooms: rooms)
    }

    /// Leaves rooms.
    public func leave(_ rooms: String...) {
        namespace.leave(self, rooms: rooms)
    }

    /// Leaves rooms.
    public func leave(_ rooms: [String]) {
        namespace.leave(self, rooms: rooms)
    }

    /// The rooms the socket is in (its own id included).
    public var rooms: Set<String> {
        namespace.rooms(of: self)
    }

    // MARK: Disconnecting

    /// Removes the socket from its namespace (the client gets a DISCONNECT packet). With
    /// `close: true`, all of the client's sockets are disconnected and the connection is closed.
    public func disconnect(close: Bool = false) {
        if close {
            client.disconnectAllAndClose()
            return
        }
        guard isConnected else { return }
        _ = sendPacket(SocketIOPacket(type: .disconnect, namespace: namespace.name))
        didClose(.serverNamespaceDisconnect)
    }

    // MARK: Internals

    func sendPacket(_ packet: SocketIOPacket) -> Bool {
        guard isConnected else { return false }
        return connection.send(SocketIOPacketEncoder.encode(packet))
    }

    func handle(_ packet: SocketIOPacket) {
        switch packet.type {
        case .event, .binaryEvent:
            guard let (name, arguments) = packet.eventNameAndArguments else { return }
            let ack = packet.id.map { SocketIOAcknowledgement(id: $0, socket: self) }
            let (anyHandlers, handlers) = state.withLock { state in
                (state.anyHandlers, state.handlers[name] ?? [])
            }
            for handler in anyHandlers { handler(name, arguments, ack) }
            for handler in handlers { handler(arguments, ack) }
        case .ack, .binaryAck:
            guard let ackId = packet.id, case .array(let arguments)? = packet.data else { return }
            let waiter = state.withLock { $0.pendingAcks.removeValue(forKey: ackId) }
            waiter?.complete(.success(arguments))
        case .disconnect:
            didClose(.clientNamespaceDisconnect)
        case .connect, .connectError:
            break
        }
    }

    /// Leaves the namespace for `reason`; only the first call does anything.
    func didClose(_ reason: SocketIODisconnectReason) {
        let taken = state.withLock { state -> ([DisconnectHandler], [SocketIOAckWaiter])? in
            guard state.connected else { return nil }
            state.connected = false
            let result = (state.disconnectHandlers, Array(state.pendingAcks.values))
            state.handlers = [:]
            state.anyHandlers = []
            state.disconnectHandlers = []
            state.pendingAcks = [:]
            return result
        }
        guard let (disconnectHandlers, pendingAcks) = taken else { return }
        let rooms = namespace.remove(self)
        client.remove(self)
        for waiter in pendingAcks { waiter.complete(.failure(.disconnected)) }
        if let recovery = namespace.recovery, let pid, reason.isRecoverable {
            recovery.persist(socketId: id, pid: pid, rooms: rooms)
        }
        for handler in disconnectHandlers { handler(reason) }
    }
}
