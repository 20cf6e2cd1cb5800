import Synchronization

/// The JSON array text of a ``PayloadHistory``'s payloads, built once per change: every
/// anonymous client's connect sends it, and connects come in storms. A history replaces its
/// cache whenever it changes, so copies of a history never share a stale text.
final class PayloadHistoryJSONCache: Sendable {
    private let text = Mutex<[UInt8]?>(nil)

    /// The cached text, or `build()`'s, which is kept.
    func value(_ build: () -> [UInt8]) -> [UInt8] {
        if let cached = text.withLock({ $0 }) { return cached }
        let built = build()
        text.withLock { $0 = built }
        return built
    }
}
