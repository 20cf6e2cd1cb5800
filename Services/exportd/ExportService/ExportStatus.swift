import Synchronization

/// What `/health` reports: whether exportd has joined the bus and caught up at least once.
final class ExportStatus: Sendable {
    private let synced = Atomic<Bool>(false)
    private let lastError = Mutex<String?>(nil)

    var isSynced: Bool { synced.load(ordering: .acquiring) }
    var error: String? { lastError.withLock { $0 } }

    func markSynced() { synced.store(true, ordering: .releasing) }
    func setError(_ message: String?) { lastError.withLock { $0 = message } }
}
