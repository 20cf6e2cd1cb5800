import Testing

/// One interop run's reference client and transport choice.
struct InteropCombination: Sendable, CustomTestStringConvertible {
    /// The client.
    var client: InteropClientKind
    /// `polling`, `websocket` or `upgrade` (polling first, then the upgrade to WebSocket).
    var transport: String

    var testDescription: String { "\(client) over \(transport)" }
}
