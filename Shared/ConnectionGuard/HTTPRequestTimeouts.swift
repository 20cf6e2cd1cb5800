import NIOCore

/// How long an HTTP/1 connection may take to send a request.
public struct HTTPRequestTimeouts: Sendable, Equatable {
    /// From the connection's start, or from the end of the previous answer, until a request's
    /// head is complete: bounds idle keep-alive connections and heads sent slowly. Reading bytes
    /// does not extend it.
    public var head: TimeAmount
    /// From a request's head until its body is complete.
    public var body: TimeAmount

    /// - Parameters:
    ///   - head: the time allowed until a request's head is complete.
    ///   - body: the time allowed from a request's head until its end.
    public init(head: TimeAmount, body: TimeAmount) {
        self.head = head
        self.body = body
    }
}
