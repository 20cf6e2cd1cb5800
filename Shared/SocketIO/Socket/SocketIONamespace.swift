import Synchronization

/// A Socket.IO namespace: its middlewares, connection handlers, connected sockets and rooms.
///
/// Register middlewares and handlers before clients connect. Emitting on the namespace
/// broadcasts to all its sockets; ``to(_:)`` and ``except(_:)`` narrow the targets. A broadcast
/// encodes its packet once and hands the same ``SharedEngineMessages`` to every target
/// connection without waiting for any of them.
public final class SocketIONamespace: Sendable {
    /// A middleware: runs for each connecting socket (in registration order) and may refuse it by
    /// throwing ``SocketIOConnectionRefusal`` (any other error refuses with its description).
    public typealias Middleware = @Sendable (SocketIOSocket) throws -> Void
    /// Called for each socket that joined the namespace.
    public typealias ConnectionHandler = @Sendable (SocketIOSocket) -> Void

    /// The namespace name, e.g. `/` or `/admin`.
    public let name: String
    let recovery: SocketIORecoveryBuffer?

    struct Handlers {
        var middlewares: [Middleware] = []
        var connectionHandlers: [ConnectionHandler] = []
    }

    struct Membership {
        var sockets: [String: SocketIOSocket] = [:] {
            didSet { allSockets = nil }
        }
        var socketsByRoom: [String: [String: SocketIOSocket]] = [:] {
            didSet { roomSnapshots.removeAll() }
        }
        var roomsBySocket: [String: Set<String>] = [:]
        /// `sockets.values` as an array, built by the first broadcast to everyone after a change
        /// of `sockets`: later broadcasts take it with one retain instead of walking the table.
        var allSockets: [SocketIOSocket]?
        /// The same for single rooms, dropped whenever any room changes.
        var roomSnapshots: [String: [SocketIOSocket]] = [:]
    }

    private let handlers = Mutex(Handlers())
    private let membership = Mutex(Membership())

    init(name: String, recovery: SocketIOConnectionStateRecovery?) {
        self.name = name
        self.recovery = recovery.map { SocketIORecoveryBuffer(settings: $0) }
    }

    /// Adds a middleware run for every connecting socket.
    public func use(_ middleware: @escaping Middleware) {
        handlers.withLock { $0.middlewares.append(middleware) }
    }

    /// Adds a handler called for every socket that joined. Register the socket's event handlers
    /// in it: packets of that client are processed only after it returns.
    public func onConnection(_ handler: @escaping ConnectionHandler) {
        handlers.withLock { $0.connectionHandlers.append(handler) }
    }

    /// The connected sockets.
    public var sockets: [SocketIOSocket] {
        membership.withLock { Array($0.sockets.values) }
    }

    /// The number of connected sockets.
    public var socketCount: Int {
        membership.withLock { $0.sockets.count }
    }

    /// The connected socket with id `id`.
    public func socket(id: String) -> SocketIOSocket? {
        membership.withLock { $0.sockets[id] }
    }

    /// The ids of the sockets in `room`.
    public func socketIds(in room: String) -> Set<String> {
        membership.withLock { $0.socketsByRoom[room].map { Set($0.keys) } ?? [] }
    }

    /// The names of all rooms with at least one socket (each socket's own room included).
    public var rooms: Set<String> {
        membership.withLock { Set($0.socketsByRoom.keys) }
    }

    // MARK: Broadcasting

    /// Targets the sockets in any of `rooms`.
    public func to(_ rooms: String...) -> SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: self, rooms: Set(rooms), except: [])
    }

    /// Targets the sockets in any of `rooms`.
    public func to(_ rooms: some Sequence<String>) -> SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: self, rooms: Set(rooms), except: [])
    }

    /// Targets all sockets except those in any of `rooms` (a socket id names its own room).
    public func except(_ rooms: String...) -> SocketIOBroadcastOperator {
        SocketIOBroadcastOperator(namespace: self, rooms: [], except: Set(rooms))
    }

    /// Sends an event to every socket of the namespace; returns the number of connections it was
    /// queued for.
    @discardableResult
    public func emit(_ event: String, _ arguments: JSONValue...) -> Int {
        SocketIOBroadcastOperator(namespace: self, rooms: [], except: []).emit(event, arguments)
    }

    /// Sends an event to every socket of the namespace.
    @discardableResult
    public func emit(_ event: String, _ arguments: [JSONValue]) -> Int {
        SocketIOBroadcastOperator(namespace: self, rooms: [], except: []).emit(event, arguments)
    }

    /// Sends several events, encoded into one ``SharedEngineMessages``, to every socket.
    @discardableResult
    public func emit(batch events: [SocketIOEvent]) -> Int {
        SocketIOBroadcastOperator(namespace: self, rooms: [], except: []).emit(batch: events)
    }

    /// Encodes the events once (recording them for recovery) and queues them on every target.
    ///
    /// Events with reserved names (`connect`, `disconnect`, ...) are left out: clients would treat
    /// them as protocol errors.
    func broadcast(_ events: [SocketIOEvent], rooms: Set<String>, except: Set<String>) -> Int {
        var events = events
        if events.contains(where: { SocketIOPacketDecoder.reservedEvents.contains($0.name) }) {
            events.removeAll { SocketIOPacketDecoder.reservedEvents.contains($0.name) }
        }
        guard !events.isEmpty else { return 0 }
        let targets = targetSockets(rooms: rooms, except: except)
        var messages: [EngineMessage] = []
        for event in events {
            if let recovery {
                messages.append(contentsOf: recovery.record(rooms: rooms, except: except) { offset in
                    SocketIOPacketEncoder.encodeEvent(
                        namespace: name, name: event.name, arguments: event.arguments + [.string(offset)])
                })
            } else {
                messages.append(contentsOf: SocketIOPacketEncoder.encodeEvent(
                    namespace: name, name: event.name, arguments: event.arguments))
            }
        }
        guard !targets.isEmpty else { return 0 }
        let shared = SharedEngineMessages(messages)
        var queued = 0
        for socket in targets where socket.connection.send(shared) { queued += 1 }
        return queued
    }

    /// The targeted sockets, taken under the lock.
    func targetSockets(rooms: Set<String>, except: Set<String>) -> [SocketIOSocket] {
        membership.withLock { membership -> [SocketIOSocket] in
            var targets: [SocketIOSocket] = []
            if except.isEmpty, rooms.isEmpty {
                // Everyone: the snapshot, built once per change of the membership.
                if let all = membership.allSockets { return all }
                let all = Array(membership.sockets.values)
                membership.allSockets = all
                return all
            }
            if except.isEmpty, rooms.count == 1, let room = rooms.first {
                // One room, nobody left out: its snapshot, built once per change of the rooms.
                if let snapshot = membership.roomSnapshots[room] { return snapshot }
                guard let members = membership.socketsByRoom[room] else { return [] }
                let snapshot = Array(members.values)
                membership.roomSnapshots[room] = snapshot
                return snapshot
            }
            var excluded: Set<String> = []
            for room in except { if let ids = membership.socketsByRoom[room]?.keys { excluded.formUnion(ids) } }
            if rooms.isEmpty {
                targets.reserveCapacity(membership.sockets.count)
                for (id, socket) in membership.sockets where !excluded.contains(id) {
                    targets.append(socket)
                }
            } else {
                var chosen: Set<String> = []
                for room in rooms {
                    guard let members = membership.socketsByRoom[room] else { continue }
                    for (id, socket) in members where !excluded.contains(id) && chosen.insert(id).inserted {
                        targets.append(socket)
                    }
                }
            }
            return targets
        }
    }

    /// How much connection state recovery data the namespace keeps (nil when recovery is off):
    /// disconnected sessions and buffered packets. For metrics.
    public var recoveryStatistics: (sessions: Int, bufferedPackets: Int)? {
        recovery.map { ($0.counts.sessions, $0.counts.packets) }
    }

    /// Drops expired recovery state.
    func performMaintenance(now: ContinuousClock.Instant) {
        recovery?.expire(now: now)
    }

    // MARK: Membership (used by sockets)

    var middlewares: [Middleware] { handlers.withLock { $0.middlewares } }
    var connectionHandlers: [ConnectionHandler] { handlers.withLock { $0.connectionHandlers } }

    func add(_ socket: SocketIOSocket, rooms: Set<String>) {
        membership.withLock { membership in
            membership.sockets[socket.id] = socket
            var all = rooms
            all.insert(socket.id)
            membership.roomsBySocket[socket.id] = all
            for room in all { membership.socketsByRoom[room, default: [:]][socket.id] = socket }
        }
    }

    /// Removes the socket; returns the rooms it was in.
    @discardableResult
    func remove(_ socket: SocketIOSocket) -> Set<String> {
        membership.withLock { membership in
            guard membership.sockets[socket.id] === socket else { return [] }
            membership.sockets[socket.id] = nil
            let rooms = membership.roomsBySocket.removeValue(forKey: socket.id) ?? []
            for room in rooms {
                membership.socketsByRoom[room]?[socket.id] = nil
                if membership.socketsByRoom[room]?.isEmpty == true { membership.socketsByRoom[room] = nil }
            }
            return rooms
        }
    }

    func join(_ socket: SocketIOSocket, rooms: [String]) {
        membership.withLock { membership in
            guard membership.sockets[socket.id] === socket else { return }
            for room in rooms {
                membership.roomsBySocket[socket.id, default: []].insert(room)
                membership.socketsByRoom[room, default: [:]][socket.id] = socket
            }
        }
    }

    func leave(_ socket: SocketIOSocket, rooms: [String]) {
        membership.withLock { membership in
            guard membership.sockets[socket.id] === socket else { return }
            for room in rooms {
                membership.roomsBySocket[socket.id]?.remove(room)
                membership.socketsByRoom[room]?[socket.id] = nil
                if membership.socketsByRoom[room]?.isEmpty == true { membership.socketsByRoom[room] = nil }
            }
        }
    }

    func rooms(of socket: SocketIOSocket) -> Set<String> {
        membership.withLock { $0.roomsBySocket[socket.id] ?? [] }
    }
}
