/// A broadcast target selection: the sockets of a namespace in any of ``rooms`` (all sockets if
/// empty) and in none of ``except``.
public struct SocketIOBroadcastOperator: Sendable {
    /// The namespace broadcast to.
    public let namespace: SocketIONamespace
    /// Rooms whose sockets are targeted; empty means all sockets.
    public private(set) var rooms: Set<String>
    /// Rooms (or socket ids) whose sockets are left out.
    public private(set) var except: Set<String>

    init(namespace: SocketIONamespace, rooms: Set<String>, except: Set<String>) {
        self.namespace = namespace
        self.rooms = rooms
        self.except = except
    }

    /// Also targets the sockets in `rooms`.
    public func to(_ rooms: String...) -> SocketIOBroadcastOperator {
        var copy = self
        copy.rooms.formUnion(rooms)
        return copy
    }

    /// Leaves out the sockets in `rooms` (a socket id names its own room).
    public func except(_ rooms: String...) -> SocketIOBroadcastOperator {
        var copy = self
        copy.except.formUnion(rooms)
        return copy
    }

    /// Sends an event to the targets; returns the number of connections it was queued for.
    @discardableResult
    public func emit(_ event: String, _ arguments: JSONValue...) -> Int {
        emit(event, arguments)
    }

    /// Sends an event to the targets; returns the number of connections it was queued for.
    @discardableResult
    public func emit(_ event: String, _ arguments: [JSONValue]) -> Int {
        namespace.broadcast([SocketIOEvent(event, arguments)], rooms: rooms, except: except)
    }

    /// Sends several events, encoded into one ``SharedEngineMessages``, to the targets.
    @discardableResult
    public func emit(batch events: [SocketIOEvent]) -> Int {
        namespace.broadcast(events, rooms: rooms, except: except)
    }

    /// The ids of the targeted sockets.
    public var socketIds: [String] {
        namespace.targetSockets(rooms: rooms, except: except).map(\.id)
    }

    /// The targeted sockets.
    public var sockets: [SocketIOSocket] {
        namespace.targetSockets(rooms: rooms, except: except)
    }

    /// Makes the targeted sockets join `rooms`.
    public func socketsJoin(_ rooms: String...) {
        for socket in sockets { socket.join(rooms) }
    }

    /// Makes the targeted sockets leave `rooms`.
    public func socketsLeave(_ rooms: String...) {
        for socket in sockets { socket.leave(rooms) }
    }

    /// Disconnects the targeted sockets (see ``SocketIOSocket/disconnect(close:)``).
    public func disconnectSockets(close: Bool = false) {
        for socket in sockets { socket.disconnect(close: close) }
    }
}
