import Synchronization

/// Delivery failures reported by librdkafka's delivery callback, collected until the next flush.
final class DeliveryFailureLog: Sendable {
    private let failures = Mutex<[KafkaError]>([])

    func record(_ error: KafkaError) {
        failures.withLock { $0.append(error) }
    }

    /// Returns and clears what was collected.
    func drain() -> [KafkaError] {
        failures.withLock { failed in
            defer { failed.removeAll() }
            return failed
        }
    }
}
