/// Where a load client presents its token (realtimed's `AUTH_MODE=token`): in the Socket.IO v5
/// CONNECT auth payload (`40{"token":"…"}`), on the handshake URL (`?token=…`, as protocol v4
/// clients do), or both.
enum LoadTokenPlacement: String, Sendable, CaseIterable {
    case auth
    case query
    case both

    /// Whether the token goes in the CONNECT packet's auth payload.
    var inAuth: Bool { self != .query }
    /// Whether the token goes on the handshake URL.
    var inQuery: Bool { self != .auth }
}
