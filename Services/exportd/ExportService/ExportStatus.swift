import Bus
import Synchronization

/// What `/health` reports: whether exportd has joined the bus and caught up at least once (with
/// every publisher it follows), the merchant topics ingestd does not serve, the replay gaps
/// Kafka reported, and the last error.
final class ExportStatus: Sendable {
    /// How many publishers (`BUS_CONNECT` endpoints) must have been joined once.
    private let publishers: Int
    /// The publishers (by position) joined and caught up at least once.
    private let synced = Mutex<Set<Int>>([])
    private let lastError = Mutex<String?>(nil)
    private let unserved = Mutex<Set<String>>([])
    private let storageFailing = Atomic<Bool>(false)
    private let gaps = Mutex<[String: BusReplayGap]>([:])

    /// Whether journal writes fail (rows in memory, not yet on disk): `/health` is 503.
    var isStorageFailing: Bool { storageFailing.load(ordering: .acquiring) }
    func setStorageFailing(_ failing: Bool) { storageFailing.store(failing, ordering: .releasing) }

    init(publishers: Int = 1) {
        self.publishers = publishers
    }

    /// Whether every publisher was joined and caught up with at least once.
    var isSynced: Bool { synced.withLock { $0.count >= publishers } }
    var error: String? { lastError.withLock { $0 } }
    /// Merchant topics whose replay ingestd refused as not served (its topic regex leaves them
    /// out), sorted; their exports hold nothing new until ingestd serves them.
    var unservedTopics: [String] { unserved.withLock { $0.sorted() } }

    /// Records whether ingestd serves `topic`.
    func setServed(_ topic: String, _ served: Bool) {
        unserved.withLock { if served { $0.remove(topic) } else { $0.insert(topic) } }
    }

    /// Partitions whose replay asked for records Kafka no longer holds (the latest gap of each),
    /// by topic and partition.
    var replayGaps: [BusReplayGap] {
        gaps.withLock { $0.values.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) } }
    }

    /// Records a gap a replay reported.
    func recordGap(_ gap: BusReplayGap) {
        gaps.withLock { $0["\(gap.topic)\u{0}\(gap.partition)"] = gap }
    }

    /// The publisher at `publisher` (its position in `BUS_CONNECT`) was joined and caught up with.
    func markSynced(publisher: Int = 0) { _ = synced.withLock { $0.insert(publisher) } }
    func setError(_ message: String?) { lastError.withLock { $0 = message } }
}
