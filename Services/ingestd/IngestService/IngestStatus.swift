import Synchronization

/// What ingestd is doing, for `/health` and the logs. Thread-safe.
public final class IngestStatus: Sendable {
    /// The phases ingestd goes through.
    public enum Phase: String, Sendable {
        /// Reading the topic list (the broker may be unreachable).
        case connecting
        /// Reading the last records of newly found partitions into the cache.
        case loadingHistory
        /// Partitions assigned and their history loaded: records flow.
        case ready
        /// Shutting down.
        case stopping
    }

    /// A consistent copy of the status.
    public struct Snapshot: Sendable {
        public var phase: Phase
        public var brokerReachable: Bool
        public var lastBrokerError: String?
        public var topics: [String]
        public var assignedPartitions: Int

        /// Ready to serve: partitions assigned, history loaded, broker reachable.
        public var isReady: Bool { phase == .ready && brokerReachable }
    }

    private let state = Mutex(Snapshot(phase: .connecting, brokerReachable: false, lastBrokerError: nil,
                                       topics: [], assignedPartitions: 0))

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }
}
