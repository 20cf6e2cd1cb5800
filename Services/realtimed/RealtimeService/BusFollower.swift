import Bus
import Logging
import Metrics
import ServiceLifecycle
import ZeroMQ

/// Follows one ingestd publisher with a ``BusSubscriber`` and applies what it delivers to the
/// hub. One per `BUS_CONNECT` endpoint; the hub deduplicates across them.
final class BusFollower: Service, Sendable {
    let subscriber: BusSubscriber
    let hub: RealtimeHub
    let logger: Logger

    init(live: String, snapshot: String, security: BusSocketSecurity, context: ZMQContext, hub: RealtimeHub,
         logger: Logger) throws(ZMQError) {
        subscriber = try BusSubscriber(
            configuration: .init(publisherEndpoint: live, snapshotEndpoint: snapshot, handshakeGrace: .milliseconds(300),
                                 security: security),
            context: context, logger: logger)
        self.hub = hub
        self.logger = logger
    }

    /// When more records arrived while the publisher was away than its snapshot holds, reads the
    /// missing ones back from Kafka (a REPLAY request) so clients still see no gap; when a
    /// partition restarted (its topic was recreated), the replay's GAP says so and the partition's
    /// new records are delivered from its start.
    private func replayGaps(before snapshot: BusSnapshot) async {
        let gaps = hub.gaps(before: snapshot.records, restarted: snapshot.gaps)
        guard !gaps.isEmpty else { return }
        var offsets: [String: [Int32: Int64]] = [:]
        for (key, first) in gaps { offsets[key.topic, default: [:]][key.partition] = first }
        do {
            let replay = try await subscriber.replay(BusReplayOffsets(offsets), idleTimeout: .seconds(10))
            logger.info("replayed \(replay.records.count) record(s) missed while the publisher was away")
            for gap in replay.gaps {
                // Kafka no longer holds some of what clients missed: counted and said, never hidden.
                Counter(label: "realtime_replay_gaps_total", dimensions: [("kind", gap.kind.name)]).increment()
                logger.warning("replay gap: \(gap)")
                if gap.kind == .rewound {
                    // The topic was recreated: its new records reuse offsets clients got before.
                    hub.rewind(TopicPartition(topic: gap.topic, partition: gap.partition), next: gap.available)
                }
            }
            hub.apply(replay.records, fromSnapshot: true)
        } catch {
            logger.warning("replay of missed records failed: \(error); clients miss them", metadata: [
                "partitions": "\(gaps.count)",
            ])
        }
    }

    func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await self.subscriber.run() }
            group.addTask {
                for await presence in self.subscriber.presence {
                    self.hub.updateRemoteClients(presence.replicas)
                    self.hub.updateConsumerLag(presence.lag, shard: presence.shard)
                }
            }
            for await event in subscriber.events {
                switch event {
                case .snapshot(let snapshot, let reason):
                    logger.info("bus snapshot applied", metadata: [
                        "publisher": "\(subscriber.configuration.publisherEndpoint)",
                        "records": "\(snapshot.records.count)", "reason": "\(reason)",
                    ])
                    await replayGaps(before: snapshot)
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
