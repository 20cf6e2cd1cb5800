/// Which Socket.IO events a load client counts as deliveries, and where it finds their send time:
/// `42["<event>",{…"<field>":<integer>…}]`, the integer in `unit`s since the Unix epoch. Events
/// whose payload is not an object (e.g. a history array) are not deliveries.
struct LoadEventMatcher: Sendable {
    /// The unit of the timestamp field.
    enum Unit: String, Sendable, CaseIterable {
        case microseconds = "us"
        case milliseconds = "ms"

        var microsecondsPerUnit: Int64 { self == .microseconds ? 1 : 1000 }
    }

    /// `42["<event>",{`, or `42["<stem>` for an event name ending in `*` (any event whose name
    /// starts with the stem: a soak's rotating topics).
    let prefix: [UInt8]
    /// Whether `prefix` ends inside the event name.
    let namePrefix: Bool
    /// `"<field>":`
    let key: [UInt8]
    let unit: Unit

    /// The `sio-bench server` tick: `42["tick",{…,"t":µs,…}]`.
    static let tick = LoadEventMatcher(event: "tick", timestampField: "t", unit: .microseconds)

    init(event: String, timestampField: String, unit: Unit) {
        namePrefix = event.hasSuffix("*")
        prefix = namePrefix ? Array(#"42["\#(event.dropLast())"#.utf8) : Array(#"42["\#(event)",{"#.utf8)
        key = Array(#""\#(timestampField)":"#.utf8)
        self.unit = unit
    }

    /// The send time in microseconds when `payload` (an Engine.IO message packet) is a matching
    /// event, else nil.
    func sentAt(_ payload: UnsafeRawBufferPointer) -> Int64? {
        guard payload.starts(with: prefix) else { return nil }
        var index = prefix.count - 1
        if namePrefix {
            // The rest of the name, then `",{`.
            index = prefix.count
            while index < payload.count, payload[index] != UInt8(ascii: "\"") { index += 1 }
            guard index + 2 < payload.count, payload[index + 1] == UInt8(ascii: ","),
                  payload[index + 2] == UInt8(ascii: "{") else { return nil }
            index += 2
        }
        while index + key.count <= payload.count {
            if payload[index] == key[0], payload[(index + 1)..<(index + key.count)].elementsEqual(key.dropFirst()) {
                var position = index + key.count
                var value: Int64 = 0
                var digits = 0
                while position < payload.count, payload[position] >= 0x30, payload[position] <= 0x39, digits < 18 {
                    value = value * 10 + Int64(payload[position] - 0x30)
                    position += 1
                    digits += 1
                }
                return digits > 0 ? value * unit.microsecondsPerUnit : nil
            }
            index += 1
        }
        return nil
    }
}
