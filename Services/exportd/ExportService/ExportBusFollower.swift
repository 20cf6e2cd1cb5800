import Bus
import Logging
import NIOPosix
import ServiceLifecycle

/// Keeps the ``ExportStore`` up to date from the bus: on every (re)join it asks ingestd to REPLAY
/// each merchant topic from the stored offsets + 1 (so records produced while exportd was down
/// arrive), then applies the snapshot and the live records. The store skips offsets it already
/// holds, so the overlaps of replay, snapshot and live records store nothing twice.
///
/// One per `BUS_CONNECT` endpoint (one per ingestd shard), all storing into the same store: a
/// shard replays, snapshots and publishes only its own partitions, so the followers never
/// contend for a partition, and when they do (two publishers of the same partition while shards
/// are reconfigured) the store's per-partition offsets keep each record once.
struct ExportBusFollower: Service {
    let subscriber: BusSubscriber
    /// The publisher's position in `BUS_CONNECT`.
    var publisher = 0
    let store: ExportStore
    let status: ExportStatus
    let metrics: ExportMetrics
    let logger: Logger

    /// Records of a replay held and stored at once.
    static let replayBatchSize = 1000

    func run() async throws {
        for await event in subscriber.events.cancelOnGracefulShutdown() {
            switch event {
            case .snapshot(let snapshot, let reason):
                logger.info("bus joined; replaying from stored offsets", metadata: [
                    "publisher": "\(subscriber.configuration.publisherEndpoint)", "reason": "\(reason)"])
                for topic in store.topics {
                    guard await replay(topic) else { return }  // stopping
                }
                await apply(snapshot.records)
                status.markSynced(publisher: publisher)
            case .records(let records):
                await apply(records)
            case .resync(let reason):
                logger.info("bus resync", metadata: [
                    "publisher": "\(subscriber.configuration.publisherEndpoint)", "reason": "\(reason)"])
            }
        }
    }

    /// Replays one topic, retrying with back-off (200 ms doubling to 5 s) until it succeeds; false
    /// only when exportd is stopping. Nothing newer is applied before the replay succeeded, so a
    /// failing replay delays the export (and `/health` says so) but never leaves a hole in it.
    private func replay(_ topic: String) async -> Bool {
        var delay = Duration.milliseconds(200)
        var attempt = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            attempt += 1
            let offsets = store.replayOffsets(topic: topic)
            do {
                // Stored batch by batch as it arrives: memory holds one batch, not the topic. A
                // replay that fails halfway keeps what it stored; the retry starts after it.
                var count = 0
                _ = try await subscriber.replay(offsets, idleTimeout: .seconds(10), batchSize: Self.replayBatchSize,
                                                onGap: reportGap) { batch in
                    count += batch.count
                    metrics.replayBatchRecords.record(batch.count)
                    await apply(batch)
                }
                metrics.replays.increment()
                status.setServed(topic, true)
                metrics.unservedTopics.record(status.unservedTopics.count)
                logger.info("replayed", metadata: ["topic": "\(topic)", "from": "\(offsets.json)", "records": "\(count)"])
                return true
            } catch BusClientError.server(let error) where error.code == .unknownTopic {
                logger.info("topic does not exist yet; nothing to replay", metadata: ["topic": "\(topic)"])
                status.setServed(topic, true)
                return true
            } catch BusClientError.server(let error) where error.code == .topicNotServed {
                // ingestd's topic regex leaves this topic out: nothing will come for it, now or
                // live. Say so (log, /health, /metrics) and go on with the other topics; the
                // next join asks again.
                logger.warning("merchant topic not served by ingestd; its export gets no new rows", metadata: [
                    "topic": "\(topic)", "reply": "\(error.message)"])
                status.setServed(topic, false)
                metrics.unservedTopics.record(status.unservedTopics.count)
                return true
            } catch {
                logger.warning("replay failed; retrying", metadata: [
                    "topic": "\(topic)", "attempt": "\(attempt)", "retry in": "\(delay)", "error": "\(error)"])
                status.setError("replay of \(topic) failed: \(error)")
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
        return false
    }

    /// Kafka no longer holds records this export lacks: said in `/health` (`replayGaps`), counted
    /// and logged. Deleted records are gone for good. A rewound partition (its topic was
    /// recreated or truncated) starts again where Kafka says: its new records reuse offsets this
    /// export stored before, so the partition is rewound (durably, in its journal) before they
    /// arrive, and they are stored beside the old rows.
    private func reportGap(_ gap: BusReplayGap) async throws {
        metrics.replayGap(gap)
        status.recordGap(gap)
        switch gap.kind {
        case .deleted:
            logger.warning("records deleted from Kafka before this export stored them", metadata: [
                "topic": "\(gap.topic)", "partition": "\(gap.partition)", "from": "\(gap.requested)", "to": "\(gap.available)"])
        case .rewound:
            logger.warning("partition restarted below the stored offset (topic recreated or truncated); storing its records again from its start", metadata: [
                "topic": "\(gap.topic)", "partition": "\(gap.partition)", "stored up to": "\(gap.requested - 1)",
                "starts at": "\(gap.available)"])
            let store = self.store
            try await NIOThreadPool.singleton.runIfActive {
                try store.rewind(topic: gap.topic, partition: gap.partition, next: gap.available)
            }
        }
    }

    private func apply(_ records: [BusRecord]) async {
        guard !records.isEmpty else { return }
        let store = self.store
        do {
            let result = try await NIOThreadPool.singleton.runIfActive { try store.store(records) }
            metrics.record(result)
            status.setError(nil)
        } catch {
            await recoverStorage(after: error)
        }
    }

    /// A journal write failed (disk full, EIO): the records are in memory, their entries kept
    /// as unwritten. Nothing newer is applied until those are written: retries with back-off
    /// (200 ms doubling to 5 s), `/health` 503 and `export_journal_unwritten_bytes` meanwhile.
    /// Live records that the bus drops while this waits come back by the resync's replay.
    private func recoverStorage(after failure: any Error) async {
        var failure = failure
        var delay = Duration.milliseconds(200)
        status.setStorageFailing(true)
        let store = self.store
        while true {
            metrics.storageErrors.increment()
            metrics.unwrittenBytes.record(store.unwrittenBytes)
            status.setError("storage: \(failure)")
            logger.error("cannot write the journal; nothing newer is applied until it is written", metadata: [
                "error": "\(failure)", "unwritten bytes": "\(store.unwrittenBytes)", "retry in": "\(delay)"])
            guard (try? await Task.sleep(for: delay)) != nil, !Task.isShuttingDownGracefully else { return }
            delay = min(delay * 2, .seconds(5))
            do {
                try await NIOThreadPool.singleton.runIfActive { try store.flushUnwritten() }
                break
            } catch {
                failure = error
            }
        }
        metrics.unwrittenBytes.record(0)
        status.setStorageFailing(false)
        status.setError(nil)
        logger.info("journal written again")
    }
}
