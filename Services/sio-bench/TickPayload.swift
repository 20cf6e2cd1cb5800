import SocketIO

/// The `tick` event both benchmark servers broadcast: `42["tick",{"seq":n,"t":µs,"pad":"x…"}]`,
/// about 200 bytes on the wire. `t` is the send time in wall-clock microseconds.
enum TickPayload {
    /// The event name.
    static let eventName = "tick"
    /// Padding that brings the whole Socket.IO packet to about 200 bytes.
    static let padding = String(repeating: "x", count: 150)

    /// The tick event number `sequence`, stamped `sentAt`.
    static func event(sequence: Int, sentAt: Int64) -> SocketIOEvent {
        SocketIOEvent(
            eventName,
            .object([("seq", .int(Int64(sequence))), ("t", .int(sentAt)), ("pad", .string(padding))]))
    }
}
