import RecordFilter
import SocketIO
import Visibility

/// `subscribe` and `unsubscribe`: clients that follow only some topics (Socket.IO rooms).
///
/// Each call costs time linear in the names it gives (and the topics its wildcard patterns are
/// matched against); a client follows at most `SUBSCRIBE_MAX_PATTERNS` patterns of at most
/// `SUBSCRIBE_MAX_PATTERN_LENGTH` bytes each. A call past these bounds changes nothing and is
/// acknowledged with `{"error": ...}`.
extension RealtimeHub {
    /// Topic names or patterns from `subscribe`/`unsubscribe` arguments: a string, an array of
    /// strings, or `{"topics": [...]}`; nil when the arguments have another shape.
    static func patternNames(from arguments: [JSONValue]) -> [String]? {
        guard let first = arguments.first else { return nil }
        var list = first
        if case .object = first {
            guard let topics = first["topics"] else { return nil }
            list = topics
        }
        if let name = list.stringValue { return name.isEmpty ? nil : [name] }
        guard let elements = list.arrayValue, !elements.isEmpty else { return nil }
        var names: [String] = []
        names.reserveCapacity(elements.count)
        for element in elements {
            guard let name = element.stringValue, !name.isEmpty else { return nil }
            names.append(name)
        }
        return names
    }

    private static let usage = "expected a topic name or pattern, an array of them, or {\"topics\": [...]}"

    /// The patterns of a call, or the error to acknowledge it with.
    private func patterns(from arguments: [JSONValue]) -> Result<[TopicPattern], SubscriptionRefusal> {
        guard let names = Self.patternNames(from: arguments) else { return .failure(SubscriptionRefusal(Self.usage)) }
        guard names.count <= configuration.subscribeMaxPatterns else {
            return .failure(SubscriptionRefusal("\(names.count) patterns; at most \(configuration.subscribeMaxPatterns) per client"))
        }
        if let long = names.first(where: { $0.utf8.count > configuration.subscribeMaxPatternLength }) {
            return .failure(SubscriptionRefusal(
                "a pattern of \(long.utf8.count) bytes; at most \(configuration.subscribeMaxPatternLength)"))
        }
        return .success(names.map(TopicPattern.init))
    }

    private func refuse(_ refusal: SubscriptionRefusal, _ ack: SocketIOAcknowledgement?) {
        metrics.subscriptionsRefused.increment()
        _ = ack?.send([["error": .string(refusal.message)]])
    }

    func subscribe(_ socket: SocketIOSocket, _ arguments: [JSONValue], _ ack: SocketIOAcknowledgement?) {
        let patterns: [TopicPattern]
        switch self.patterns(from: arguments) {
        case .success(let list): patterns = list
        case .failure(let refusal): return refuse(refusal, ack)
        }
        let filterChange: SubscriptionFilterChange
        switch Self.filterChange(from: arguments) {
        case .success(let change): filterChange = change
        case .failure(let refusal): return refuse(refusal, ack)
        }
        let conflationChange: ConflationChange
        switch Self.conflationChange(from: arguments) {
        case .success(let change): conflationChange = change
        case .failure(let refusal): return refuse(refusal, ack)
        }
        emitOrder.withLock { _ in
            let reply = state.withLock { state -> Result<(JSONValue, [SocketIOEvent]), SubscriptionRefusal> in
                let previous = state.subscriptions[socket.id] ?? []
                let current = previous.union(patterns)
                guard current.count <= configuration.subscribeMaxPatterns else {
                    return .failure(SubscriptionRefusal(
                        "\(current.count) patterns; at most \(configuration.subscribeMaxPatterns) per client"))
                }
                let followedBefore = followedTopics(previous, of: socket.id, state)
                state.subscriptions[socket.id] = current
                let (keyBefore, key) = Self.applySubscription(filter: filterChange, conflation: conflationChange,
                                                              to: socket.id, patterns: previous, current, in: &state,
                                                              maxKeys: configuration.conflateMaxKeys)
                let viewer = state.viewer(of: socket.id)
                // A subscriber is never in the everything room, so a broadcast reaches it once.
                socket.leave(Self.rooms([Self.everythingRoom], for: viewer))
                if keyBefore != key {
                    socket.leave(Self.rooms(followedBefore.map { Self.room($0, filter: keyBefore) }, for: viewer))
                }
                let followed = followedTopics(current, of: socket.id, state)
                socket.join(Self.rooms(followed.map { Self.room($0, filter: key) }, for: viewer))
                let conflation = state.conflations[socket.id]
                var latest: [SocketIOEvent] = []
                if conflation?.everyMilliseconds != nil {
                    // Latest per key first, for the topics this call starts following in this room.
                    let known = keyBefore == key ? Set(followedBefore) : []
                    latest = latestPerKeyEvents(followed.filter { !known.contains($0) },
                                                filter: Self.currentFilter(of: socket.id, in: state), roomKey: key,
                                                viewer: viewer, state)
                }
                let value = acknowledgement(followed, current, state, withState: true, of: socket.id)
                return .success((value, latest))
            }
            switch reply {
            case .success(let (value, latest)):
                _ = ack?.send([value])
                // Per-client state, as the cache on connect: never recorded for recovery.
                var sent = 0
                for event in latest where socket.emitUnrecorded(event.name, event.arguments) { sent += 1 }
                if sent > 0 { metrics.eventsSent.increment(by: sent) }
            case .failure(let refusal): refuse(refusal, ack)
            }
        }
    }

    func unsubscribe(_ socket: SocketIOSocket, _ arguments: [JSONValue], _ ack: SocketIOAcknowledgement?) {
        let patterns: [TopicPattern]
        switch self.patterns(from: arguments) {
        case .success(let list): patterns = list
        case .failure(let refusal): return refuse(refusal, ack)
        }
        let reply = state.withLock { state -> JSONValue in
            let viewer = state.viewer(of: socket.id)
            if state.subscriptions[socket.id] == nil {
                // A socket that followed everything now follows every known topic but these.
                socket.leave(Self.rooms([Self.everythingRoom], for: viewer))
                state.subscriptions[socket.id] = Set(state.topics.keys.map(TopicPattern.init))
            }
            var current = state.subscriptions[socket.id]!
            let previous = current
            let key = Self.roomKey(of: socket.id, in: state)
            let before = followedTopics(current, of: socket.id, state)
            current.subtract(patterns)
            // Names matched by a removed wildcard pattern are no longer followed either (an exact
            // name only matches itself: the subtraction took it out).
            let wildcards = patterns.filter(\.isGlob)
            if !wildcards.isEmpty {
                current = current.filter { kept in !wildcards.contains { $0.matches(kept.text) } }
            }
            state.subscriptions[socket.id] = current
            Self.changePatterns(of: socket.id, from: previous, to: current, in: &state, maxKeys: configuration.conflateMaxKeys)
            let after = followedTopics(current, of: socket.id, state)
            let kept = Set(after)
            socket.leave(Self.rooms(before.filter { !kept.contains($0) }.map { Self.room($0, filter: key) }, for: viewer))
            return acknowledgement(after, current, state, withState: false, of: socket.id)
        }
        _ = ack?.send([reply])
    }

    /// The known topics `patterns` match that `socketID` may see (its token's topic
    /// permissions), sorted: exact names are looked up, wildcards matched against every topic.
    private func followedTopics(_ patterns: Set<TopicPattern>, of socketID: String, _ state: borrowing State) -> [String] {
        var followed = Set<String>()
        var wildcards: [TopicPattern] = []
        for pattern in patterns {
            if pattern.isGlob {
                wildcards.append(pattern)
            } else if state.topics[pattern.text] != nil {
                followed.insert(pattern.text)
            }
        }
        if !wildcards.isEmpty {
            for topic in state.topics.keys where wildcards.contains(where: { $0.matches(topic) }) { followed.insert(topic) }
        }
        if let permissions = state.permissions(of: socketID) { followed = followed.filter(permissions.permits) }
        return followed.sorted()
    }

    /// `{"topics": [...], "patterns": [...], "state": {topic: {"sensor_values": ..., "history": [...]}}}`,
    /// and `"filter"` (its text) for a filtered subscription, whose state holds only what passes it,
    /// and `"conflation"` (`{"everyMs", "maxPerSecond"}`, the set ones) for a conflated one; of a
    /// socket with an identity (`AUTH_MODE=token`), only what it may see.
    private func acknowledgement(_ topics: [String], _ patterns: Set<TopicPattern>, _ state: borrowing State,
                                 withState: Bool, of socketID: String) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("topics", .array(topics.map(JSONValue.string))),
            ("patterns", .array(patterns.map(\.text).sorted().map(JSONValue.string))),
        ]
        let key = state.filterKeys[socketID]
        let filter = Self.currentFilter(of: socketID, in: state)
        let viewer = state.viewer(of: socketID)
        if let key { members.append(("filter", .string(key))) }
        if let conflation = state.conflations[socketID] { members.append(("conflation", conflation.json)) }
        if withState {
            var perTopic: [(key: String, value: JSONValue)] = []
            for topic in topics {
                guard let topicState = state.topics[topic] else { continue }
                var entry: [(key: String, value: JSONValue)] = []
                let view = topicState.view(for: viewer)
                if configuration.apiFamilies.contains(.solar) {
                    var latest = view.solar
                    if let filter {
                        // The newest solar payload among the kept records that pass the filter.
                        latest = topicState.priceWarsHistory.records(matching: filter, visibleTo: viewer).reversed().lazy
                            .compactMap { self.shaper.shape($0, families: topicState.families).solar }.first
                    }
                    entry.append(("sensor_values", latest.map(JSONValue.raw) ?? .null))
                }
                if configuration.apiFamilies.contains(.pricewars) {
                    entry.append(("history", .raw(topicState.priceWarsHistory.jsonArray(matching: filter, visibleTo: viewer))))
                }
                entry.append(("records_seen", .int(Int64(view.seen))))
                perTopic.append((topic, .object(entry)))
            }
            members.append(("state", .object(perTopic)))
        }
        return .object(members)
    }
}
