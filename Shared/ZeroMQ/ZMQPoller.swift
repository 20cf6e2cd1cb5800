import CZeroMQ

/// Waits on several ZeroMQ sockets and plain file descriptors at once (`zmq_poll`).
///
/// A poller belongs to the thread that owns its sockets (see the threading rule on ``ZMQSocket``).
/// Plain descriptors let other threads wake that thread, e.g. a ``WakeupEvent``.
public struct ZMQPoller {
    private var items: [zmq_pollitem_t] = []
    /// Keeps the polled sockets alive for as long as the poller refers to their handles.
    private var sockets: [ZMQSocket?] = []

    public init() {}

    /// How many sockets and descriptors are registered.
    public var count: Int { items.count }

    /// Registers `socket`; returns its index for ``events(at:)``.
    @discardableResult
    public mutating func add(_ socket: ZMQSocket, events: ZMQPollEvents) -> Int {
        var item = zmq_pollitem_t()
        item.socket = socket.handle
        item.fd = -1
        item.events = events.rawValue
        items.append(item)
        sockets.append(socket)
        return items.count - 1
    }

    /// Registers a plain file descriptor; returns its index for ``events(at:)``.
    @discardableResult
    public mutating func add(fileDescriptor: Int32, events: ZMQPollEvents) -> Int {
        var item = zmq_pollitem_t()
        item.socket = nil
        item.fd = fileDescriptor
        item.events = events.rawValue
        items.append(item)
        sockets.append(nil)
        return items.count - 1
    }

    /// Changes which events are waited for on the item at `index`.
    public mutating func setEvents(_ events: ZMQPollEvents, at index: Int) {
        items[index].events = events.rawValue
    }

    /// Blocks until at least one item is ready or `timeout` passes (`nil` = wait forever) and
    /// returns how many items are ready. Interrupted waits (`EINTR`) return 0.
    /// Blocks the calling thread: only for dedicated socket threads.
    public mutating func poll(timeout: Duration?) throws(ZMQError) -> Int {
        let milliseconds: Int
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            // Round up so a tiny positive timeout does not become a busy loop.
            milliseconds = max(0, Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
        } else {
            milliseconds = -1
        }
        for index in items.indices {
            // A socket closed since it was added must not be polled.
            if let socket = sockets[index] {
                guard let handle = socket.handle else {
                    throw ZMQError(code: ENOTSOCK, operation: "poll a closed \(socket.type) socket")
                }
                items[index].socket = handle
            }
            items[index].revents = 0
        }
        let ready = items.withUnsafeMutableBufferPointer { buffer in
            zmq_poll(buffer.baseAddress, Int32(buffer.count), milliseconds)
        }
        if ready < 0 {
            let error = zmq_errno()
            if error == EINTR { return 0 }
            throw ZMQError(code: error, operation: "zmq_poll")
        }
        return Int(ready)
    }

    /// The events that were ready at `index` after the last ``poll(timeout:)``.
    public func events(at index: Int) -> ZMQPollEvents {
        ZMQPollEvents(rawValue: items[index].revents)
    }

    /// Whether the item at `index` was readable after the last ``poll(timeout:)``.
    public func isReadable(_ index: Int) -> Bool { events(at: index).contains(.readable) }
}
