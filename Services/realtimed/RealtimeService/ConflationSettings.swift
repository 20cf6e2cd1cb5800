import SocketIO
import Visibility

/// How a subscription's live records are thinned out for dashboards (issue 19): latest per key
/// every `everyMilliseconds`, at most `maxPerSecond` records a second, or both. A subscription
/// without either (nil) takes the seeds' path unchanged.
struct ConflationSettings: Hashable, Sendable {
    /// The window length: only the newest record of each key within a window goes out, at its end.
    var everyMilliseconds: Int?
    /// The most records a second the subscription's clients get; what is over is held back and
    /// conflated per key.
    var maxPerSecond: Int?

    /// The accepted window lengths in milliseconds.
    static let windowRange = 10...60_000
    /// The accepted caps in records per second.
    static let rateRange = 1...100_000

    /// Whether it changes anything (a subscription with neither takes the unconflated path).
    var isActive: Bool { everyMilliseconds != nil || maxPerSecond != nil }

    /// The part of a room name that tells conflated subscriptions apart (with their filter text,
    /// and with `AUTH_MODE=token` the identity of their sockets).
    func roomKey(filter: String?, viewer: Viewer?) -> String {
        let scope = switch viewer {
        case nil: ""
        case .operator?: "\u{3}operators"
        case .merchant(let id)?: "\u{3}merchant:" + id
        }
        return "\u{2}conflate:" + (everyMilliseconds.map(String.init) ?? "-") + "/" + (maxPerSecond.map(String.init) ?? "-")
            + scope + "\u{0}" + (filter ?? "")
    }

    /// The ack's `"conflate"` member: `{"everyMs": N, "maxPerSecond": R}` (only the set ones).
    var json: JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if let everyMilliseconds { members.append(("everyMs", .int(Int64(everyMilliseconds)))) }
        if let maxPerSecond { members.append(("maxPerSecond", .int(Int64(maxPerSecond)))) }
        return .object(members)
    }
}
