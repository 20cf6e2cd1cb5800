import Foundation
import SocketIO
import Visibility

/// The views of the state the HTTP routes serve.
extension RealtimeHub {
    /// Topic names, sorted.
    public var topicNames: [String] { state.withLock { $0.topics.keys.sorted() } }

    /// `/status`: per topic the original's `messages` (Price Wars history length) and
    /// `last_message` (the newest history entry, `""` when none), then ours: `records_seen`
    /// and `last_record`. The topics of `PRICEWARS_TOPICS` are there before their first record,
    /// as in the original. For dashboards: `age_ms`, now minus the last visible record's Kafka
    /// timestamp (null without one), and `consumer_lag`, ingestd's records not yet consumed
    /// (null until it reported). Of a `viewer` (`AUTH_MODE=token`), only what it may see.
    public func statusJSON(viewer: Viewer? = nil, topics permissions: TopicPermissions = .all) -> [UInt8] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let value: JSONValue = state.withLock { state in
            var topics = Set(state.topics.keys)
            topics.formUnion(announcedPriceWarsTopics)
            return .object(topics.filter(permissions.permits).sorted().map { topic in
                guard let topicState = state.topics[topic] else {
                    return (key: topic, value: .object([
                        ("messages", .int(0)), ("last_message", .string("")), ("records_seen", .int(0)),
                        ("last_record", .null), ("age_ms", .null),
                        ("consumer_lag", state.consumerLag[topic].map { .int(Int64($0)) } ?? .null),
                    ]))
                }
                let view = topicState.view(for: viewer)
                var last: JSONValue = .null
                if let record = view.lastRecord {
                    last = .object([
                        ("partition", .int(Int64(record.partition))), ("offset", .int(record.offset)),
                        ("timestamp", record.timestamp >= 0 ? .int(record.timestamp) : .null),
                        ("key", record.key.map(JSONValue.raw) ?? .null),
                        ("value", record.value.map(JSONValue.raw) ?? .null),
                    ])
                }
                let history = topicState.priceWarsHistory.elements(visibleTo: viewer)
                return (key: topic, value: .object([
                    ("messages", .int(Int64(history.count))),
                    ("last_message", history.last.map(JSONValue.raw) ?? .string("")),
                    ("records_seen", .int(Int64(view.seen))), ("last_record", last),
                    ("age_ms", view.lastRecord.flatMap { $0.timestamp >= 0 ? .int(max(0, now - $0.timestamp)) : nil } ?? .null),
                    ("consumer_lag", state.consumerLag[topic].map { .int(Int64($0)) } ?? .null),
                ]))
            })
        }
        return Array(value.jsonText.utf8)
    }
}
