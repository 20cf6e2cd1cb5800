import SocketIO

/// The views of the state the HTTP routes serve.
extension RealtimeHub {
    /// Topic names, sorted.
    public var topicNames: [String] { state.withLock { $0.topics.keys.sorted() } }

    /// `{"<topic>": {"records_seen": n, "last_record": {...}}}` for `/status`.
    public func statusJSON() -> [UInt8] {
        let value: JSONValue = state.withLock { state in
            .object(state.topics.keys.sorted().map { topic in
                let topicState = state.topics[topic]!
                var last: JSONValue = .null
                if let record = topicState.lastRecord {
                    last = .object([
                        ("partition", .int(Int64(record.partition))), ("offset", .int(record.offset)),
                        ("timestamp", record.timestamp >= 0 ? .int(record.timestamp) : .null),
                        ("key", record.key.map(JSONValue.raw) ?? .null),
                        ("value", record.value.map(JSONValue.raw) ?? .null),
                    ])
                }
                return (key: topic, value: .object([("records_seen", .int(Int64(topicState.recordsSeen))), ("last_record", last)]))
            })
        }
        return Array(value.jsonText.utf8)
    }
}
