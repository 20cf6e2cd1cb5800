import SocketIO

/// `subscribe` and `unsubscribe`: clients that follow only some topics (Socket.IO rooms).
extension RealtimeHub {
    /// Topic names or patterns from `subscribe`/`unsubscribe` arguments: a string, an array of
    /// strings, or `{"topics": [...]}`.
    static func patterns(from arguments: [JSONValue]) -> [TopicPattern]? {
        guard let first = arguments.first else { return nil }
        var list = first
        if case .object = first {
            guard let topics = first["topics"] else { return nil }
            list = topics
        }
        if let name = list.stringValue { return name.isEmpty ? nil : [TopicPattern(name)] }
        guard let elements = list.arrayValue, !elements.isEmpty else { return nil }
        var patterns: [TopicPattern] = []
        for element in elements {
            guard let name = element.stringValue, !name.isEmpty else { return nil }
            patterns.append(TopicPattern(name))
        }
        return patterns
    }

    private static let usage: JSONValue = [
        "error": "expected a topic name or pattern, an array of them, or {\"topics\": [...]}",
    ]

    func subscribe(_ socket: SocketIOSocket, _ arguments: [JSONValue], _ ack: SocketIOAcknowledgement?) {
        guard let patterns = Self.patterns(from: arguments) else {
            _ = ack?.send([Self.usage])
            return
        }
        state.withLock { state in
            state.subscriptions[socket.id, default: []].formUnion(patterns)
            // A subscriber is never in the everything room, so a broadcast reaches it once.
            socket.leave(Self.everythingRoom)
            let followed = followedTopics(socket.id, state)
            socket.join(followed.map(Self.room))
            _ = ack?.send([acknowledgement(followed, state.subscriptions[socket.id] ?? [], state, withState: true)])
        }
    }

    func unsubscribe(_ socket: SocketIOSocket, _ arguments: [JSONValue], _ ack: SocketIOAcknowledgement?) {
        guard let patterns = Self.patterns(from: arguments) else {
            _ = ack?.send([Self.usage])
            return
        }
        state.withLock { state in
            if state.subscriptions[socket.id] == nil {
                // A socket that followed everything now follows every known topic but these.
                socket.leave(Self.everythingRoom)
                state.subscriptions[socket.id] = Set(state.topics.keys.map(TopicPattern.init))
            }
            let before = followedTopics(socket.id, state)
            state.subscriptions[socket.id]!.subtract(patterns)
            // Names matched by a removed pattern are no longer followed either.
            state.subscriptions[socket.id] = state.subscriptions[socket.id]!.filter { kept in
                !patterns.contains { $0.matches(kept.text) }
            }
            let after = Set(followedTopics(socket.id, state))
            socket.leave(before.filter { !after.contains($0) }.map(Self.room))
            _ = ack?.send([acknowledgement(after.sorted(), state.subscriptions[socket.id]!, state, withState: false)])
        }
    }

    private func followedTopics(_ socketID: String, _ state: State) -> [String] {
        guard let patterns = state.subscriptions[socketID] else { return state.topics.keys.sorted() }
        return state.topics.keys.filter { topic in patterns.contains { $0.matches(topic) } }.sorted()
    }

    /// `{"topics": [...], "patterns": [...], "state": {topic: {"sensor_values": ..., "history": [...]}}}`.
    private func acknowledgement(_ topics: [String], _ patterns: Set<TopicPattern>, _ state: State,
                                 withState: Bool) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("topics", .array(topics.map(JSONValue.string))),
            ("patterns", .array(patterns.map(\.text).sorted().map(JSONValue.string))),
        ]
        if withState {
            var perTopic: [(key: String, value: JSONValue)] = []
            for topic in topics {
                guard let topicState = state.topics[topic] else { continue }
                var entry: [(key: String, value: JSONValue)] = []
                if configuration.apiFamilies.contains(.solar) {
                    entry.append(("sensor_values", topicState.solarLatest.map(JSONValue.raw) ?? .null))
                }
                if configuration.apiFamilies.contains(.pricewars) {
                    entry.append(("history", .raw(topicState.priceWarsHistory.jsonArray)))
                }
                entry.append(("records_seen", .int(Int64(topicState.recordsSeen))))
                perTopic.append((topic, .object(entry)))
            }
            members.append(("state", .object(perTopic)))
        }
        return .object(members)
    }
}
