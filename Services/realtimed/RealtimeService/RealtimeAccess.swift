import NIOHTTP1
import SocketIO
import Visibility

/// Decides who a Socket.IO client or an HTTP request is (`AUTH_MODE`), from its token.
///
/// Clients of Socket.IO v5 (socket.io-client 3 and later, python-socketio 5) pass the token in
/// the CONNECT `auth` payload (`{token: ...}`); older clients (protocol v4, and anyone) on the
/// handshake URL (`?token=...`). HTTP requests pass it as exportd's do (`Authorization`, its
/// last word) or as `?token=`.
public struct RealtimeAccess: Sendable {
    /// Why a client or request is refused; the message is what the client sees.
    public enum Refusal: String, Error, Sendable {
        /// No token where one is required.
        case unauthorized
        /// A token that may not do this (a merchant's for `/metrics`, another identity on recovery).
        case forbidden
    }

    /// The mode.
    public let mode: RealtimeAuthMode
    private let operators: OperatorTokenDigests

    /// The access rules of `configuration` (its operator tokens file read now).
    public init(configuration: RealtimeConfiguration) throws(OperatorTokenDigests.FileError) {
        mode = configuration.authMode
        operators = try configuration.operatorTokensFile.map { path throws(OperatorTokenDigests.FileError) in
            try OperatorTokenDigests(contentsOf: path)
        } ?? OperatorTokenDigests()
    }

    /// Everyone sees everything (`AUTH_MODE=none`).
    public init() {
        mode = .none
        operators = OperatorTokenDigests()
    }

    /// Who presents `token`: nil when `AUTH_MODE=none` (no identity, everything visible).
    public func viewer(token: String?) -> Result<Viewer?, Refusal> {
        guard mode == .token else { return .success(nil) }
        guard let token, !token.isEmpty else { return .failure(.unauthorized) }
        if operators.contains(token: token) { return .success(.operator) }
        return .success(.merchant(MerchantIdentity.merchantID(token: token)))
    }

    /// The token of a Socket.IO connection: `auth.token`, else the handshake's `?token=`.
    public static func token(of handshake: SocketIOHandshake) -> String? {
        if case .string(let token)? = handshake.auth?["token"] { return token }
        return handshake.query["token"]
    }

    /// The token of an HTTP request: its `Authorization` header's last word, else `?token=`.
    public static func token(of request: EngineHTTPRequest) -> String? {
        MerchantIdentity.token(authorization: request.headers.first(name: "authorization")) ?? request.query["token"]
    }
}
