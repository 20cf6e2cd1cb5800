import Foundation

/// What one load client says on top of the plain handshake: the token it presents (issue 18)
/// and the `subscribe` it emits once connected (issue 19, e.g. with a per-socket filter). A
/// client with a subscription counts as connected only when the server acknowledged it, so a
/// driver that produces after `started` knows every filter is in place.
struct LoadClientSetup: Sendable {
    /// The token, or nil for none.
    var token: String?
    /// Where the token goes.
    var tokenPlacement: LoadTokenPlacement = .auth
    /// Topics of the `subscribe`, or nil for no `subscribe`.
    var subscribeTopics: [String]?
    /// The filter text of the `subscribe`, or nil for none.
    var subscribeFilter: String?

    /// Whether the client speaks Engine.IO v3 / Socket.IO protocol v4 (socket.io 2.x clients):
    /// the server connects it to `/` unasked, the client pings, a token goes on the URL.
    var engineIOv3 = false

    /// A client as before these options: no token, no `subscribe`.
    static let plain = LoadClientSetup()

    /// The WebSocket handshake's request target.
    var requestTarget: String {
        var target = engineIOv3 ? "/socket.io/?EIO=3&transport=websocket" : "/socket.io/?EIO=4&transport=websocket"
        if let token, tokenPlacement.inQuery || engineIOv3 { target += "&token=" + Self.percentEncoded(token) }
        return target
    }

    /// The Socket.IO CONNECT packet: `40`, or `40{"token":"…"}`; nil for an Engine.IO v3 client,
    /// which the server connects to `/` by itself.
    var connectPacket: String? {
        guard !engineIOv3 else { return nil }
        guard let token, tokenPlacement.inAuth else { return "40" }
        return #"40{"token":\#(Self.jsonString(token))}"#
    }

    /// The `subscribe` event with ack id 0, or nil when the client does not subscribe.
    var subscribePacket: String? {
        guard let subscribeTopics else { return nil }
        var members = #""topics":["# + subscribeTopics.map(Self.jsonString).joined(separator: ",") + "]"
        if let subscribeFilter { members += #","filter":"# + Self.jsonString(subscribeFilter) }
        return #"420["subscribe",{\#(members)}]"#
    }

    /// `text` as a JSON string literal.
    static func jsonString(_ text: String) -> String {
        var literal = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": literal += "\\\""
            case "\\": literal += "\\\\"
            case "\n": literal += "\\n"
            case "\r": literal += "\\r"
            case "\t": literal += "\\t"
            case _ where scalar.value < 0x20: literal += String(format: "\\u%04x", scalar.value)
            default: literal.unicodeScalars.append(scalar)
            }
        }
        return literal + "\""
    }

    /// `text` percent-encoded for a query parameter value.
    static func percentEncoded(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }
}
