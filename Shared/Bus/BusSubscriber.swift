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
}
