import Synchronization

/// What `/health` reports: whether exportd has joined the bus and caught up at least once, the
/// merchant topics ingestd does not serve, and the last error.
final class ExportStatus: Sendable {
    private let synced = Atomic<Bool>(false)
    private let lastError = Mutex<String?>(nil)
    private let unserved = Mutex<Set<String>>([])
    private let storageFailing = Atomic<Bool>(false)

    /// Whether journal writes fail (rows in memory, not yet on disk): `/health` is 503.
    var isStorageFailing: Bool { storageFailing.load(ordering: .acquiring) }
    func setStorageFailing(_ failing: Bool) { storageFailing.store(failing, ordering: .releasing) }

    var isSynced: Bool { synced.load(ordering: .acquiring) }
    var error: String? { lastError.withLock { $0 } }
    /// Merchant topics whose replay ingestd refused as not served (its topic regex leaves them
    /// out), sorted; their exports hold nothing new until ingestd serves them.
    var unservedTopics: [String] { unserved.withLock { $0.sorted() } }

    /// Records whether ingestd serves `topic`.
    func setServed(_ topic: String, _ served: Bool) {
        unserved.withLock { if served { $0.remove(topic) } else { $0.insert(topic) } }
    }

    func markSynced() { synced.store(true, ordering: .releasing) }
    func setError(_ message: String?) { lastError.withLock { $0 = message } }
}
