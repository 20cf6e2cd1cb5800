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

    /// The middleware of `AUTH_MODE=token`: a client without a token is refused
    /// (`unauthorized`); a recovered session must come back with the same identity
    /// (`forbidden` otherwise). The identity is kept until the session can no longer recover.
    func admit(_ socket: SocketIOSocket) throws(SocketIOConnectionRefusal) {
        let viewer: Viewer
        switch access.viewer(token: RealtimeAccess.token(of: socket.handshake)) {
        case .success(let found?): viewer = found
        case .success(nil): return
        case .failure(let refusal):
            metrics.clientsRefused.increment()
            throw SocketIOConnectionRefusal(refusal.rawValue)
        }
        let admitted = state.withLock { state -> Bool in
            if socket.recovered, let previous = state.viewers[socket.id], previous != viewer { return false }
            state.viewers[socket.id] = viewer
            return true
        }
        guard admitted else {
            metrics.clientsRefused.increment()
            throw SocketIOConnectionRefusal(RealtimeAccess.Refusal.forbidden.rawValue)
        }
    }
}
