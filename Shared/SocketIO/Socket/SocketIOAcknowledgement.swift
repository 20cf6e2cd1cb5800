import Synchronization

/// The acknowledgement callback of an event the client sent with an ack id. Calling it sends
/// an ACK packet with the given arguments; only the first call sends anything.
public final class SocketIOAcknowledgement: Sendable {
    /// The acknowledgement id chosen by the client.
    public let id: Int
    private let socket: SocketIOSocket
    private let sent = Mutex(false)

    init(id: Int, socket: SocketIOSocket) {
        self.id = id
        self.socket = socket
    }

    /// Whether the acknowledgement was already sent.
    public var isSent: Bool { sent.withLock { $0 } }

    /// Sends the acknowledgement; returns false if it was already sent or the socket is gone.
    @discardableResult
    public func callAsFunction(_ arguments: JSONValue...) -> Bool {
        send(arguments)
    }

    /// Sends the acknowledgement; returns false if it was already sent or the socket is gone.
    @discardableResult
    public func send(_ arguments: [JSONValue]) -> Bool {
        let first = sent.withLock { sent in
            defer { sent = true }
            return !sent
        }
        guard first else { return false }
        return socket.sendPacket(SocketIOPacket(type: .ack, namespace: socket.namespace.name, id: id,
                                                data: .array(arguments)))
    }
}
