import SocketIO

/// The live events of one record waiting in a ``Conflator``, with the topic whose room they go to.
struct ConflatedEvents: Sendable {
    let topic: String
    let events: [SocketIOEvent]
}
