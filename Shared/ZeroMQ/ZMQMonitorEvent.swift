import CZeroMQ

/// One event from a socket monitor (see ``ZMQSocket/startMonitor(endpoint:events:)``).
public struct ZMQMonitorEvent: Sendable, Hashable {
    /// Event kinds this module names; others are kept as raw values in ``rawEvent``.
    public static let connected = UInt16(ZMQ_EVENT_CONNECTED)
    public static let accepted = UInt16(ZMQ_EVENT_ACCEPTED)
    public static let disconnected = UInt16(ZMQ_EVENT_DISCONNECTED)
    public static let closed = UInt16(ZMQ_EVENT_CLOSED)
    public static let handshakeSucceeded = UInt16(ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
    public static let monitorStopped = UInt16(ZMQ_EVENT_MONITOR_STOPPED)

    /// The `ZMQ_EVENT_*` bit of this event.
    public let rawEvent: UInt16
    /// The event's value (a file descriptor, errno or interval, depending on the event).
    public let value: UInt32
    /// The endpoint the event is about.
    public let endpoint: String

    /// Decodes the two frames libzmq sends on a monitor socket: 6 bytes (event u16, value u32,
    /// native byte order) and the endpoint. Returns `nil` for anything else.
    public init?(frames: [[UInt8]]) {
        guard frames.count == 2, frames[0].count == 6 else { return nil }
        let head = frames[0]
        rawEvent = head.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 0, as: UInt16.self) }
        value = head.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 2, as: UInt32.self) }
        endpoint = String(decoding: frames[1], as: UTF8.self)
    }
}
