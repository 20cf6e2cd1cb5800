import Logging

/// A consumer in a group, used either with group-managed subscriptions (`subscribe`, the
/// rebalance handlers decide where assigned partitions start) or with partitions the caller
/// assigns itself (`assign`; the group then only stores committed offsets).
///
/// Every method blocks (librdkafka calls with timeouts): own it from one dedicated thread.
/// The rebalance handlers run on that thread, inside `poll`.
public final class KafkaConsumer {
    private let client: RDKafkaClient
    private let logger: Logger
    private var subscribed: [String] = []
    /// Errors librdkafka reported since the last poll (it reports them on the polling thread,
    /// and ``poll(maxEvents:timeout:)`` hands them over as events).
    private let reportedErrors = KafkaErrorInbox()

    /// - Parameters:
    ///   - onAssign: called with newly assigned partitions (offsets as committed or logical);
    ///     returns them with the offsets to start from.
    ///   - onRevoke: called with revoked partitions.
    public init(configuration: KafkaConsumerConfiguration, logger: Logger,
                onAssign: (@Sendable ([KafkaTopicPartition]) -> [KafkaTopicPartition])? = nil,
                onRevoke: (@Sendable ([KafkaTopicPartition]) -> Void)? = nil) throws(KafkaError) {
        self.logger = logger
        var onRebalance: (@Sendable (Bool, [KafkaTopicPartition]) -> [KafkaTopicPartition])?
        if onAssign != nil || onRevoke != nil {
            onRebalance = { assigned, partitions in
                if assigned { return onAssign?(partitions) ?? partitions }
                onRevoke?(partitions)
                return []
            }
        }
        let callbacks = RDKafkaCallbacks(
            onError: { [reportedErrors] error in reportedErrors.report(error) },
            onLog: { level, facility, message in
                logger.log(level: level <= 3 ? .error : level == 4 ? .warning : .debug, "librdkafka \(facility): \(message)")
            },
            onRebalance: onRebalance)
        client = try RDKafkaClient(kind: .consumer, properties: configuration.groupConsumerProperties, callbacks: callbacks)
        client.headerLimits = configuration.headerLimits
    }

    /// The topics currently subscribed.
    public var subscription: [String] { subscribed }

    /// Subscribes to exactly `topics` (sorted, unique); does nothing when unchanged.
    public func subscribe(_ topics: [String]) throws(KafkaError) {
        let wanted = Array(Set(topics)).sorted()
        guard wanted != subscribed else { return }
        try client.subscribe(wanted)
        subscribed = wanted
    }

    /// Consumes exactly these partitions from their offsets, without group rebalancing
    /// (replaces the previous assignment).
    public func assign(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try client.assign(partitions)
    }

    /// Moves consumption of assigned partitions to their offsets (real or logical), blocking up
    /// to `timeout`.
    public func seek(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(5)) throws(KafkaError) {
        try client.seek(partitions, timeoutMs: Int32(timeout.components.seconds * 1000))
    }

    /// The partition's low and high watermarks, asked from its leader (blocking up to `timeout`).
    public func watermarks(topic: String, partition: Int32, timeout: Duration = .seconds(5)) throws(KafkaError) -> (low: Int64, high: Int64) {
        try client.queryWatermarks(topic: topic, partition: partition, timeoutMs: Int32(timeout.components.seconds * 1000))
    }

    /// Returns at most `maxEvents` records and events as soon as there is at least one, waiting
    /// up to `timeout` when there are none.
    ///
    /// librdkafka's batch consume waits until the batch is full or the timeout passes, which at
    /// a low record rate would hold every record for the whole timeout. So: take what is queued
    /// without waiting; if nothing is, wait for one event, then take what queued meanwhile.
    public func poll(maxEvents: Int = 1000, timeout: Duration) -> [KafkaConsumerEvent] {
        var events: [KafkaConsumerEvent] = []
        poll(maxEvents: maxEvents, timeout: timeout) { count, timeoutMs in
            let polled = client.poll(maxEvents: count, timeoutMs: timeoutMs)
            events += polled
            return polled.count
        }
        let errors = reportedErrors.take()
        return errors.isEmpty ? events : errors.map(KafkaConsumerEvent.error) + events
    }

    /// Like ``poll(maxEvents:timeout:)``, with the records left in librdkafka's buffers: they
    /// come as one ``KafkaMessageBatch`` (no copy per record), every other event in `events`.
    public func pollBatch(maxEvents: Int = 1000, timeout: Duration) -> (records: KafkaMessageBatch, events: [KafkaConsumerEvent]) {
        var polled = RDKafkaClient.PolledRecords()
        let earlier = reportedErrors.take().map(KafkaConsumerEvent.error)
        poll(maxEvents: maxEvents, timeout: timeout) { count, timeoutMs in
            client.pollRecords(maxEvents: count, timeoutMs: timeoutMs, into: &polled)
        }
        return (polled.batch(of: client), earlier + reportedErrors.take().map(KafkaConsumerEvent.error) + polled.events)
    }

    /// Takes what is queued without waiting; if nothing is, waits up to `timeout` for one event,
    /// then takes what queued meanwhile. `step(maxEvents, timeoutMs)` polls and says how many
    /// events it got.
    private func poll(maxEvents: Int, timeout: Duration, _ step: (Int, Int32) -> Int) {
        guard step(maxEvents, 0) == 0 else { return }
        let timeoutMs = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard step(1, timeoutMs) > 0, maxEvents > 1 else { return }
        _ = step(maxEvents - 1, 0)
    }

    /// Every topic of the cluster, from a metadata request.
    public func topics(timeout: Duration) throws(KafkaError) -> [KafkaTopicMetadata] {
        try client.topics(timeoutMs: Int32(timeout.components.seconds * 1000))
    }

    /// The group's committed offsets for `partitions`; a negative offset where none is
    /// committed. Blocks up to `timeout`.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws(KafkaError) -> [KafkaTopicPartition] {
        try client.committed(partitions, timeoutMs: Int32(timeout.components.seconds * 1000))
    }

    /// Commits the consumed positions.
    public func commit() throws(KafkaError) {
        try client.commit()
    }

    /// Commits `offsets` (each partition's next offset to consume) for the group, whatever was
    /// consumed: an operator's reset, or a test's stale position. Blocks until the broker answers.
    public func commit(_ offsets: [KafkaTopicPartition]) throws(KafkaError) {
        try client.commit(offsets)
    }

    /// Marks `offsets` (each partition's next offset to consume) as done, for the next commit
    /// (automatic every `auto.commit.interval.ms`, or ``commit()``). With
    /// ``KafkaConsumerConfiguration/storesOffsetsExplicitly`` this is the only way offsets get
    /// committed: call it once the records before them are handled. Never blocks. Returns the
    /// partitions librdkafka refused (no longer assigned), with why.
    @discardableResult
    public func storeOffsets(_ offsets: [KafkaTopicPartition]) throws(KafkaError) -> [(KafkaTopicPartition, KafkaError)] {
        guard !offsets.isEmpty else { return [] }
        return try client.storeOffsets(offsets)
    }

    /// Consumer lag per assigned partition: high watermark (as last fetched) minus position.
    public func lag() -> [KafkaTopicPartition] {
        let positions = client.positions(client.assignment())
        return positions.compactMap { position in
            guard position.offset >= 0,
                  let high = client.cachedHighWatermark(topic: position.topic, partition: position.partition) else { return nil }
            return KafkaTopicPartition(topic: position.topic, partition: position.partition, offset: max(0, high - position.offset))
        }
    }

    /// Leaves the group (revoking the assignment) and stops consuming.
    public func close() {
        client.closeConsumer()
    }

    /// Gives up without leaving the group (for when the broker is unreachable and leaving would
    /// wait for it); the group notices at its session timeout.
    public func abandon() {
        client.skipsConsumerCloseOnDestroy = true
    }
}
