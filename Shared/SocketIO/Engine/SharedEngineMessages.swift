import NIOCore

/// Engine.IO messages encoded once and handed, as the same bytes, to many connections.
///
/// The engine layer fills in transport encodings (for example complete WebSocket frames for
/// each protocol revision) when it is created, so a broadcast costs one encode and then one
/// buffer append per connection.
public final class SharedEngineMessages: Sendable {
    /// The messages, in order.
    public let messages: [EngineMessage]

    public init(_ messages: [EngineMessage]) {
        self.messages = messages
    }
}
