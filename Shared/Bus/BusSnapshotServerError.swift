/// Misuse of a ``BusSnapshotServer``.
public enum BusSnapshotServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// ``BusSnapshotServer/run()`` was called a second time.
    case alreadyRan

    public var description: String {
        switch self {
        case .alreadyRan: "the snapshot server can run only once"
        }
    }
}
