/// Which part of a request a connection failed to send in time.
public enum HTTPRequestTimeoutKind: String, Sendable, Equatable, CaseIterable {
    /// The head (or the next request, on an idle keep-alive connection).
    case head
    /// The body after the head.
    case body
}
