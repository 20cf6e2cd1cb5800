import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// Follows the bus: joins with a snapshot, then delivers live records with no gap and no
/// duplicate, resynchronising when it detects a gap or a publisher restart (the Clone pattern).
///
/// ```swift
/// let subscriber = try BusSubscriber(configuration: .init(
///     publisherEndpoint: "tcp://127.0.0.1:5556", snapshotEndpoint: "tcp://127.0.0.1:5557"),
///     context: context)
/// group.addTask { try await subscriber.run() }     // or add it to a ServiceGroup
/// for await event in subscriber.events { ... }     // .snapshot, then .records..., .resync, ...
/// ```
///
/// The sockets live on a dedicated thread started by ``run()``. ``events`` buffers at most
/// ``Configuration/eventBufferSize`` events; when the consumer falls behind, the thread stops
/// reading live messages (they queue in ZeroMQ) instead of dropping events, and if the publisher
/// then drops messages for this subscriber the sequence gap causes a resync. The stream finishes
/// when ``run()`` ends; if the consumer stops iterating, the subscriber stops too.
public final class BusSubscriber: Service, Sendable {
    /// The events, in order: a snapshot, batches of live records, and on trouble a resync then a
    /// new snapshot.
    public let events: AsyncStream<BusSubscriberEvent>
    /// Presence control messages (client counts of subscriber replicas, see ``BusPresence``) as
    /// they arrive; only the newest waits when nobody reads. Finishes with ``run()``.
    public let presence: AsyncStream<BusPresence>
    /// The settings in use.
    public let configuration: Configuration

    private let context: ZMQContext
    private let loop: Mutex<BusSubscriberLoop?>
    private let loopCounters: BusSubscriberLoop

    /// Creates the sockets and connects them (ZeroMQ connects in the background, so nothing needs
    /// to be listening yet). Throws for invalid endpoints.
    public init(
        configuration: Configuration, context: ZMQContext, logger: Logger = Logger(label: "bus.subscriber")
    ) throws(ZMQError) {
        let (events, continuation) = AsyncStream.makeStream(
            of: BusSubscriberEvent.self, bufferingPolicy: .bufferingOldest(configuration.eventBufferSize))
        let (presence, presenceContinuation) = AsyncStream.makeStream(
            of: BusPresence.self, bufferingPolicy: .bufferingNewest(1))
        let loop = try BusSubscriberLoop(
            configuration: configuration, context: context, events: continuation,
            presence: presenceContinuation, logger: logger)
        self.events = events
        self.presence = presence
        self.configuration = configuration
        self.context = context
        self.loop = Mutex(loop)
        loopCounters = loop
    }

    /// Live messages that could not be decoded and were skipped.
    public var malformedMessages: Int { loopCounters.malformedMessages.load(ordering: .relaxed) }

    /// Runs the socket thread until graceful shutdown or cancellation. Can run once.
    public func run() async throws {
        guard let loop = self.loop.withLock({ $0.take() }) else { throw BusSubscriberError.alreadyRan }
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await DedicatedThread.run(name: "bus-subscriber") { loop.run() }
            } onCancel: {
                loop.stop()
            }
        } onGracefulShutdown: {
            loop.stop()
        }
    }

    /// Asks the snapshot server for every record of the given topics from the given offsets up
    /// to the current end (a REPLAY request on its own connection and thread).
    public func replay(_ offsets: BusReplayOffsets, idleTimeout: Duration = .seconds(10)) async throws -> BusSnapshot {
        try await BusSnapshotClient.request(
            .replay(offsets), endpoint: configuration.snapshotEndpoint, context: context, idleTimeout: idleTimeout,
            security: configuration.security)
    }

    /// Replays like ``replay(_:idleTimeout:)`` but hands the records to `apply` in batches of at
    /// most `batchSize` as they arrive, one batch at a time (the next is read only once `apply`
    /// returned), so a replay of any length is held in bounded memory. A GAP goes to `onGap` in
    /// its place (after the records before it were applied). Returns the END marker; throws the
    /// reply's failure or whatever the callbacks throw (the batches applied before stay applied).
    public func replay(_ offsets: BusReplayOffsets, idleTimeout: Duration = .seconds(10), batchSize: Int,
                       onGap: (BusReplayGap) async throws -> Void = { _ in },
                       apply: ([BusRecord]) async throws -> Void) async throws -> BusEndMarker {
        enum Part: Sendable { case records([BusRecord]), gap(BusReplayGap) }
        let (parts, continuation) = AsyncThrowingStream<Part, any Error>.makeStream()
        let handoff = BusBatchHandoff()
        // A cancelled consumer ends the stream without reaching the catch below: release the
        // reading thread then too (after a normal finish this does nothing).
        continuation.onTermination = { _ in handoff.abandon() }
        let endpoint = configuration.snapshotEndpoint
        let security = configuration.security
        let context = self.context
        async let end = DedicatedThread.run(name: "bus-replay") { () throws -> BusEndMarker in
            do {
                let client = try BusSnapshotClient.connect(endpoint: endpoint, context: context, security: security)
                defer { client.close() }
                let marker = try client.stream(.replay(offsets), idleTimeout: idleTimeout, batchSize: batchSize, onGap: { gap in
                    continuation.yield(.gap(gap))
                    try handoff.waitUntilApplied()
                }, onBatch: { batch in
                    continuation.yield(.records(batch))
                    try handoff.waitUntilApplied()
                })
                continuation.finish()
                return marker
            } catch {
                continuation.finish(throwing: error)
                throw error
            }
        }
        do {
            for try await part in parts {
                switch part {
                case .records(let batch): try await apply(batch)
                case .gap(let gap): try await onGap(gap)
                }
                handoff.markApplied()
            }
        } catch {
            handoff.abandon()
            _ = try? await end
            throw error
        }
        return try await end
    }
}
