import Foundation
import SocketIO
import Visibility

/// Who sees what, live (`AUTH_MODE=token`, issue 18). A record with a `merchant_id` goes only to
/// that merchant's clients and to operators, by the rule of exportd's export (``RecordOwner``);
/// history, the cache on connect, subscribe acknowledgements and `/status` hold only what the
/// client may see.
///
/// Scopes are rooms: every room a client joins (everything, a topic, a filtered topic) has a
/// variant per merchant and one for operators, and a client joins the room and its own scope's
/// variant. A public record goes to the room, a merchant's to that merchant's variant and the
/// operators' one. Clients of one scope share one encoded event, as unscoped clients do.
extension RealtimeHub {
    /// The variant of `room` for the records only `viewer` (and operators) may see.
    static func scoped(_ room: String, _ viewer: Viewer) -> String {
        switch viewer {
        case .merchant(let id): "\u{1}merchant:" + id + "\u{0}" + room
        case .operator: "\u{1}operators\u{0}" + room
        }
    }

    /// The rooms a record of `owner` (nil: `AUTH_MODE=none`) addressed to `room` goes to.
    static func destinations(_ room: String, owner: RecordOwner?) -> [String] {
        switch owner {
        case nil, .everyone?: [room]
        case .merchant(let id)?: [scoped(room, .merchant(id)), scoped(room, .operator)]
        case .nobody?: [scoped(room, .operator)]
        }
    }

    /// The rooms a client of `viewer` joins (or leaves) for `rooms`.
    static func rooms(_ rooms: [String], for viewer: Viewer?) -> [String] {
        guard let viewer else { return rooms }
        return rooms + rooms.map { scoped($0, viewer) }
    }

    /// The middleware of `AUTH_MODE=token` and `jwt`: a client without a valid token is refused
    /// (`unauthorized`; a JWT naming no one: `forbidden`); a recovered session must come back
    /// with the same identity (`forbidden` otherwise). The grant (identity, expiry, topics) is
    /// kept until the session can no longer recover.
    func admit(_ socket: SocketIOSocket) throws(SocketIOConnectionRefusal) {
        let grant: AccessGrant
        switch access.grant(token: RealtimeAccess.token(of: socket.handshake)) {
        case .success(let found?): grant = found
        case .success(nil): return
        case .failure(let refusal):
            metrics.clientsRefused.increment()
            throw SocketIOConnectionRefusal(refusal.rawValue)
        }
        let admitted = state.withLock { state -> Bool in
            if socket.recovered, let previous = state.viewer(of: socket.id), previous != grant.viewer { return false }
            Self.record(grant, of: socket.id, in: &state)
            return true
        }
        guard admitted else {
            metrics.clientsRefused.increment()
            throw SocketIOConnectionRefusal(RealtimeAccess.Refusal.forbidden.rawValue)
        }
    }

    /// Keeps what `grant` gives `socketID`.
    static func record(_ grant: AccessGrant, of socketID: String, in state: inout State) {
        state.grants[socketID] = grant
        if let expires = grant.expires, state.nextExpiry.map({ expires < $0 }) ?? true { state.nextExpiry = expires }
    }

    /// Forgets the grant of `socketID` (the next expiry stays: a sweep that finds nothing due
    /// recomputes it).
    static func forgetGrant(of socketID: String, in state: inout State) {
        state.grants[socketID] = nil
        state.refreshAllowances[socketID] = nil
    }

    /// Whether `socketID` may see `topic` (its token's topic permissions).
    static func permits(_ topic: String, for socketID: String, in state: borrowing State) -> Bool {
        state.grants[socketID]?.topics.permits(topic) ?? true
    }

    /// `refresh` (`AUTH_MODE=jwt`): a new token for the same identity and topics moves the
    /// connection's expiry; acknowledged with `{"expires": <seconds since the epoch or null>}` or
    /// `{"error": "unauthorized" | "forbidden" | "too_many_refreshes"}` (the connection keeps its
    /// old expiry). Each connection may refresh ``RefreshAllowance/burst`` times per
    /// ``RefreshAllowance/window``: a signature check costs about 50 µs, so a client looping on
    /// `refresh` is refused before its token is looked at (`realtime_refreshes_refused_total`).
    func refresh(_ socket: SocketIOSocket, _ arguments: [JSONValue], _ ack: SocketIOAcknowledgement?,
                 now: ContinuousClock.Instant = .now) {
        let allowed = state.withLock { state in
            state.refreshAllowances[socket.id, default: RefreshAllowance()].take(at: now)
        }
        guard allowed else {
            metrics.refreshesRefused.increment()
            _ = ack?.send([.object([("error", .string(RealtimeAccess.Refusal.tooManyRefreshes.rawValue))])])
            return
        }
        var token = arguments.first?.stringValue
        if case .string(let text)? = arguments.first?["token"] { token = text }
        let reply: JSONValue
        switch access.grant(token: token) {
        case .success(let grant?):
            let accepted = state.withLock { state -> Bool in
                guard let current = state.grants[socket.id], current.viewer == grant.viewer,
                      current.topics == grant.topics else { return false }
                Self.record(grant, of: socket.id, in: &state)
                return true
            }
            reply = accepted
                ? .object([("expires", grant.expires.map { .int(Int64($0.timeIntervalSince1970)) } ?? .null)])
                : .object([("error", .string(RealtimeAccess.Refusal.forbidden.rawValue))])
        case .success(nil):
            reply = .object([("expires", .null)])
        case .failure(let refusal):
            reply = .object([("error", .string(refusal.rawValue))])
        }
        _ = ack?.send([reply])
    }

    /// Disconnects the clients whose token expired by `now` (called every tick). Decided under
    /// the lock, disconnected after it. Walks the grants only once the earliest expiry passed.
    func expireTokens(now: Date = Date()) {
        let expired = state.withLock { state in Self.takeExpired(now: now, in: &state) }
        guard !expired.isEmpty else { return }
        metrics.tokensExpired.increment(by: expired.count)
        for id in expired { io.main.socket(id: id)?.disconnect(close: true) }
    }

    /// The sockets whose grant expired by `now`, with the next expiry recomputed. Their grants
    /// stay (who they are holds until they are gone) without an expiry, so they are taken once.
    static func takeExpired(now: Date, in state: inout State) -> [String] {
        guard let next = state.nextExpiry, next <= now else { return [] }
        var expired: [String] = []
        var earliest: Date?
        for (id, grant) in state.grants {
            guard let expires = grant.expires else { continue }
            if expires <= now { expired.append(id) } else if earliest.map({ expires < $0 }) ?? true { earliest = expires }
        }
        for id in expired { state.grants[id]?.expires = nil }
        state.nextExpiry = earliest
        return expired
    }
}
