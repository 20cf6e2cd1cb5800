import Synchronization

/// Errors librdkafka reported through a client's callbacks (consumer errors, failed deliveries),
/// kept until the client's owner takes them (the callback may run on another thread).
final class KafkaErrorInbox: Sendable {
    private let errors = Mutex<[KafkaError]>([])

    /// Keeps `error` for the next ``take()``.
    func report(_ error: KafkaError) {
        errors.withLock { $0.append(error) }
    }

    /// The errors reported since the last call, oldest first.
    func take() -> [KafkaError] {
        errors.withLock { errors in
            defer { errors.removeAll() }
            return errors
        }
    }
}
