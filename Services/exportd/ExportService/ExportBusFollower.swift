import Bus
import Logging
import NIOPosix
import ServiceLifecycle

/// Keeps the ``ExportStore`` up to date from the bus: on every (re)join it asks ingestd to REPLAY
/// each merchant topic from the stored offsets + 1 (so records produced while exportd was down
/// arrive), then applies the snapshot and the live records. The store skips offsets it already
/// holds, so the overlaps of replay, snapshot and live records store nothing twice.
struct ExportBusFollower: Service {
    let subscriber: BusSubscriber
    let store: ExportStore
    let status: ExportStatus
    let metrics: ExportMetrics
    let logger: Logger

    func run() async throws {
        for await event in subscriber.events.cancelOnGracefulShutdown() {
            switch event {
            case .snapshot(let snapshot, let reason):
                logger.info("bus joined; replaying from stored offsets", metadata: ["reason": "\(reason)"])
                var complete = true
                for topic in store.topics {
                    complete = await replay(topic) && complete
                }
                await apply(snapshot.records)
                if complete { status.markSynced() }
            case .records(let records):
                await apply(records)
            case .resync(let reason):
                logger.info("bus resync", metadata: ["reason": "\(reason)"])
            }
        }
    }

    /// Replays one topic, retrying a few times; false if it never succeeded.
    private func replay(_ topic: String) async -> Bool {
        var delay = Duration.milliseconds(200)
        for attempt in 1...4 {
            let offsets = store.replayOffsets(topic: topic)
            do {
                let reply = try await subscriber.replay(offsets, idleTimeout: .seconds(30))
                metrics.replays.increment()
                logger.info("replayed", metadata: ["topic": "\(topic)", "from": "\(offsets.json)", "records": "\(reply.records.count)"])
                await apply(reply.records)
                return true
            } catch BusClientError.server(let message) where message.contains("unknown topic") {
                logger.info("topic does not exist yet; nothing to replay", metadata: ["topic": "\(topic)"])
                return true
            } catch {
                logger.warning("replay failed", metadata: ["topic": "\(topic)", "attempt": "\(attempt)", "error": "\(error)"])
                status.setError("replay of \(topic) failed: \(error)")
                if attempt < 4 { try? await Task.sleep(for: delay) }
                delay *= 2
            }
        }
        return false
    }

    private func apply(_ records: [BusRecord]) async {
        guard !records.isEmpty else { return }
        let store = self.store
        do {
            let result = try await NIOThreadPool.singleton.runIfActive { try store.store(records) }
            metrics.record(result)
            status.setError(nil)
        } catch {
            metrics.storageErrors.increment()
            status.setError("storage: \(error)")
            logger.error("cannot store records", metadata: ["error": "\(error)"])
        }
    }
}
