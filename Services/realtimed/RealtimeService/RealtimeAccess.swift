import Foundation
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
        /// More `refresh` events on one connection than ``RefreshAllowance`` lets through.
        case tooManyRefreshes = "too_many_refreshes"
    }

    /// The mode.
    public let mode: RealtimeAuthMode
    private let operators: OperatorTokenDigests
    private let jwt: JWTAccessVerifier?

    /// The access rules of `configuration` (its operator tokens file read now; `AUTH_MODE=jwt`
    /// needs ``load(configuration:)``).
    public init(configuration: RealtimeConfiguration) throws(OperatorTokenDigests.FileError) {
        mode = configuration.authMode
        operators = try configuration.operatorTokensFile.map { path throws(OperatorTokenDigests.FileError) in
            try OperatorTokenDigests(contentsOf: path)
        } ?? OperatorTokenDigests()
        jwt = nil
    }

    /// The access rules of `configuration`, its key files read (any mode).
    public static func load(configuration: RealtimeConfiguration) async throws -> RealtimeAccess {
        guard configuration.authMode == .jwt else { return try RealtimeAccess(configuration: configuration) }
        return RealtimeAccess(jwt: try await configuration.jwtKeys.load())
    }

    private init(jwt: JWTAccessVerifier) {
        mode = .jwt
        operators = OperatorTokenDigests()
        self.jwt = jwt
    }

    /// Everyone sees everything (`AUTH_MODE=none`).
    public init() {
        mode = .none
        operators = OperatorTokenDigests()
        jwt = nil
    }

    /// What `token` grants at `now`: nil when `AUTH_MODE=none` (no identity, everything
    /// visible). A missing, expired or unverifiable token is `unauthorized`; a JWT that names no
    /// one `forbidden`.
    public func grant(token: String?, now: Date = Date()) -> Result<AccessGrant?, Refusal> {
        guard mode != .none else { return .success(nil) }
        guard let token, !token.isEmpty else { return .failure(.unauthorized) }
        guard let jwt else {
            if operators.contains(token: token) { return .success(AccessGrant(viewer: .operator)) }
            return .success(AccessGrant(viewer: .merchant(MerchantIdentity.merchantID(token: token))))
        }
        do {
            return .success(try jwt.verify(token, now: now))
        } catch {
            return .failure(error.code == .noIdentity ? .forbidden : .unauthorized)
        }
    }

    /// Who presents `token`: nil when `AUTH_MODE=none` (no identity, everything visible).
    public func viewer(token: String?) -> Result<Viewer?, Refusal> {
        grant(token: token).map { $0?.viewer }
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
