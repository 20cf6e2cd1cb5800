/// Per-channel note of why a WebSocket upgrade was refused, so the HTTP handler can answer
/// with the Engine.IO error. Used only on the channel's event loop.
final class EngineUpgradeRejection: @unchecked Sendable {
    var response: EngineHTTPResponse?

    func take() -> EngineHTTPResponse? {
        defer { response = nil }
        return response
    }
}
