import CZeroMQ

/// A ZeroMQ context: owns libzmq's I/O threads and is the factory of ``ZMQSocket``s.
///
/// A context is thread-safe. Every socket keeps a strong reference to its context, so the context is
/// terminated (`zmq_ctx_term`, in `deinit`) only after all of its sockets have been closed. Sockets
/// made by this module default to `LINGER 0`, so termination never waits for unsent messages.
public final class ZMQContext: Sendable {
    /// The raw `void *` context handle. Only for thin wrappers in this module.
    nonisolated(unsafe) let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` background I/O threads (libzmq's default is 1).
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        if ioThreads != 1, zmq_ctx_set(handle, ZMQ_IO_THREADS, ioThreads) != 0 {
            let error = ZMQError.last("set ZMQ_IO_THREADS \(ioThreads)")
            zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
    }

    /// Makes every blocking call on this context's sockets fail with `ETERM` at once, without
    /// closing anything. Sockets must still be closed (by their owners) before the context goes away.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        // Retry on EINTR: zmq_ctx_term may be interrupted by a signal.
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
