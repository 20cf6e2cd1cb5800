/// Why a `subscribe` or `unsubscribe` call was refused (sent back as `{"error": message}`).
struct SubscriptionRefusal: Error, Sendable {
    let message: String

    init(_ message: String) { self.message = message }
}
