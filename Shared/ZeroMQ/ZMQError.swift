import CZeroMQ

/// An error reported by libzmq: the failing operation, its `errno` and libzmq's description of it.
public struct ZMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The `errno` value libzmq reported (for example `EAGAIN`, `EADDRINUSE`, `ETERM`).
    public let code: Int32
    /// What was being done when the error happened, e.g. `"bind tcp://*:5556"`.
    public let operation: String

    /// Creates an error from an explicit `errno` value.
    public init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
    }

    /// The error libzmq reports for the calling thread right now (`zmq_errno()`).
    public static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        ZMQError(code: zmq_errno(), operation: operation())
    }

    /// libzmq's text for ``code`` (`zmq_strerror`).
    public var message: String { String(cString: zmq_strerror(code)) }

    /// Whether the context was terminated (`ETERM`): the socket can no longer be used.
    public var isContextTerminated: Bool { code == ETERM }

    /// Whether the operation would have blocked (`EAGAIN`).
    public var isWouldBlock: Bool { code == EAGAIN }

    /// Whether a ROUTER with `ZMQ_ROUTER_MANDATORY` was asked to send to a peer it does not know
    /// (`EHOSTUNREACH`), typically one that disconnected.
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }

    public var description: String { "ZeroMQ \(operation) failed: \(message) (errno \(code))" }
}
