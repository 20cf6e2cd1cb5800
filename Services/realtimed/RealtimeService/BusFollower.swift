import Bus
import Logging
import ServiceLifecycle
import ZeroMQ

/// Follows one ingestd publisher with a ``BusSubscriber`` and applies what it delivers to the
/// hub. One per `BUS_CONNECT` endpoint; the hub deduplicates across them.
final class BusFollower: Service, Sendable {
    let subscriber: BusSubscriber
    let hub: RealtimeHub
    let logger: Logger

    init(live: String, snapshot: String, context: ZMQContext, hub: RealtimeHub, logger: Logger) throws(ZMQError) {
        subscriber = try BusSubscriber(
            configuration: .init(publisherEndpoint: live, snapshotEndpoint: snapshot, handshakeGrace: .milliseconds(300)),
            context: context, logger: logger)
        self.hub = hub
        self.logger = logger
    }

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.subscriber.run() }
            group.addTask {
                for await presence in self.subscriber.presence { self.hub.updateRemoteClients(presence.replicas) }
            }
            for await event in subscriber.events {
                switch event {
                case .snapshot(let snapshot, let reason):
                    logger.info("bus snapshot applied", metadata: [
                        "publisher": "\(subscriber.configuration.publisherEndpoint)",
                        "records": "\(snapshot.records.count)", "reason": "\(reason)",
                    ])
                    hub.apply(snapshot.records, fromSnapshot: true)
                case .records(let records):
                    hub.apply(records, fromSnapshot: false)
                case .resync(let reason):
                    hub.metrics.resyncs.increment()
                    logger.info("bus resync", metadata: [
                        "publisher": "\(subscriber.configuration.publisherEndpoint)", "reason": "\(reason)",
                    ])
                }
            }
        }
    }
}
