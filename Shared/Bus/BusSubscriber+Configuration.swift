extension BusSubscriber {
    /// Settings of a ``BusSubscriber``.
    public struct Configuration: Sendable {
        /// The publisher's live endpoint, e.g. `tcp://127.0.0.1:5556`.
        public var publisherEndpoint: String
        /// The snapshot server's endpoint, e.g. `tcp://127.0.0.1:5557`.
        public var snapshotEndpoint: String
        /// Deliver only topics starting with one of these; `[""]` (the default) means all topics.
        public var topicPrefixes: [String]
        /// Where prefixes are applied; see ``BusTopicFiltering``.
        public var filtering: BusTopicFiltering
        /// How long to wait for each snapshot reply message before retrying.
        public var snapshotTimeout: Duration
        /// How long the first join waits for the live connection's handshake before asking for a
        /// snapshot anyway (a late subscription only costs one more snapshot).
        public var handshakeGrace: Duration
        /// How many events (a `.records` event holds up to 1024 records) the
        /// ``BusSubscriber/events`` stream buffers for a slow consumer. When
        /// it is full the subscriber stops reading the live socket; if the publisher then drops
        /// messages for it, the gap triggers a resync. Nothing is dropped silently.
        public var eventBufferSize: Int
        /// How many live records may wait while a snapshot is fetched before the join restarts.
        public var joinBufferLimit: Int
        /// ZeroMQ receive queue (messages) of the live socket.
        public var receiveHighWaterMark: Int32
        /// Maximum message size and CURVE client keys of both sockets (default: 64 MiB, no CURVE).
        public var security: BusSocketSecurity

        public init(
            publisherEndpoint: String, snapshotEndpoint: String, topicPrefixes: [String] = [""],
            filtering: BusTopicFiltering = .inProcess, snapshotTimeout: Duration = .seconds(5),
            handshakeGrace: Duration = .seconds(1), eventBufferSize: Int = 256,
            joinBufferLimit: Int = 1_000_000, receiveHighWaterMark: Int32 = 100_000,
            security: BusSocketSecurity = .subscriberDefault
        ) {
            self.security = security
            self.publisherEndpoint = publisherEndpoint
            self.snapshotEndpoint = snapshotEndpoint
            self.topicPrefixes = topicPrefixes.isEmpty ? [""] : topicPrefixes
            self.filtering = filtering
            self.snapshotTimeout = snapshotTimeout
            self.handshakeGrace = handshakeGrace
            self.eventBufferSize = max(1, eventBufferSize)
            self.joinBufferLimit = max(1, joinBufferLimit)
            self.receiveHighWaterMark = receiveHighWaterMark
        }

        /// The prefix sent in SNAPSHOT requests: the longest prefix common to all topic prefixes,
        /// so one request covers them all.
        var snapshotPrefix: String {
            guard var common = topicPrefixes.first else { return "" }
            for prefix in topicPrefixes.dropFirst() {
                common = String(zip(common, prefix).prefix { $0 == $1 }.map(\.0))
            }
            return common
        }

        /// Whether `topic` is wanted.
        func matches(_ topic: String) -> Bool {
            topicPrefixes.contains { topic.utf8.starts(with: $0.utf8) }
        }
    }
}
