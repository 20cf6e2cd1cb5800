/// Thrown by a namespace middleware to refuse a connection. The client receives a
/// `CONNECT_ERROR` with `{"message": message, "data": data}` (protocol v5), or an `ERROR` packet
/// with `data` if given, else `message` (protocol v4).
public struct SocketIOConnectionRefusal: Error, Sendable, Equatable {
    /// The message the client sees.
    public var message: String
    /// Extra details for the client.
    public var data: JSONValue?

    /// Refuses with `message` and optional `data` for the client.
    public init(_ message: String, data: JSONValue? = nil) {
        self.message = message
        self.data = data
    }
}
