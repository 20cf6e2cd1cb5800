import CZeroMQ

/// A ZeroMQ socket. Owns the libzmq socket handle and closes it in `deinit` (or in ``close()``).
///
/// ## Threading rule
/// A ZeroMQ socket is **not thread-safe**. A `ZMQSocket` may be created on one thread and handed to
/// another (hence `@unchecked Sendable`), but at any moment only one thread may use it: in practice
/// each socket belongs to one dedicated thread that does all of its sends, receives, polls and
/// option changes. The Bus types follow this rule; code using this type directly must too.
///
/// Blocking calls (``receiveMultipart(timeout:)``, ``ZMQPoller/poll(timeout:)``, blocking sends) are
/// meant for such dedicated threads only, never for Swift's shared concurrency pool.
public final class ZMQSocket: @unchecked Sendable {
    /// The pattern of this socket.
    public let type: ZMQSocketType
    /// The context the socket belongs to (kept alive until the socket is closed).
    public let context: ZMQContext
    /// The raw handle; `nil` once closed.
    private(set) var handle: UnsafeMutableRawPointer?

    /// Creates a socket of `type` in `context`, with `LINGER 0` so closing never blocks.
    public init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("create \(type) socket")
        }
        self.type = type
        self.context = context
        self.handle = handle
        try setLinger(milliseconds: 0)
    }

    deinit { close() }

    /// Closes the socket (idempotent). Pending outgoing messages are dropped (LINGER is 0 unless
    /// changed with ``setLinger(milliseconds:)``).
    public func close() {
        guard let handle else { return }
        zmq_close(handle)
        self.handle = nil
    }

    /// Whether ``close()`` has been called.
    public var isClosed: Bool { handle == nil }

    /// The open handle, or `ENOTSOCK` once closed.
    func openHandle(_ operation: @autoclosure () -> String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(code: ENOTSOCK, operation: operation()) }
        return handle
    }

    /// Binds to `endpoint`, e.g. `tcp://*:5556`, `tcp://127.0.0.1:*` (random port: read it back with
    /// ``lastEndpoint()``), `inproc://name`.
    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = try openHandle("bind \(endpoint)")
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("bind \(endpoint)") }
    }

    /// Stops listening on `endpoint` (as returned by ``lastEndpoint()`` for wildcard binds).
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let handle = try openHandle("unbind \(endpoint)")
        guard zmq_unbind(handle, endpoint) == 0 else { throw ZMQError.last("unbind \(endpoint)") }
    }

    /// Connects to `endpoint`. ZeroMQ connects asynchronously and reconnects by itself, so this
    /// succeeds even if nothing listens there yet.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try openHandle("connect \(endpoint)")
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("connect \(endpoint)") }
    }

    /// Disconnects from an endpoint given earlier to ``connect(_:)``.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let handle = try openHandle("disconnect \(endpoint)")
        guard zmq_disconnect(handle, endpoint) == 0 else { throw ZMQError.last("disconnect \(endpoint)") }
    }
}
