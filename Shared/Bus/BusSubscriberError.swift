/// Misuse of a ``BusSubscriber``.
public enum BusSubscriberError: Error, Sendable, Hashable, CustomStringConvertible {
    /// ``BusSubscriber/run()`` was called a second time.
    case alreadyRan

    public var description: String {
        switch self {
        case .alreadyRan: "the bus subscriber can run only once"
        }
    }
}
