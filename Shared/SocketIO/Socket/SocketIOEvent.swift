/// One outbound event: a name and its arguments. Used for batch broadcasts.
public struct SocketIOEvent: Sendable, Equatable {
    /// The event name.
    public var name: String
    /// The arguments (use ``JSONValue/raw(_:)`` to splice JSON text that is already encoded).
    public var arguments: [JSONValue]

    /// An event named `name` with `arguments`.
    public init(_ name: String, _ arguments: [JSONValue]) {
        self.name = name
        self.arguments = arguments
    }

    /// An event named `name` with `arguments`.
    public init(_ name: String, _ arguments: JSONValue...) {
        self.init(name, arguments)
    }
}
