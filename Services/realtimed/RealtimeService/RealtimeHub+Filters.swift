import RecordFilter
import SocketIO

/// Filtered subscriptions (issue 19): a socket that subscribes with a filter gets only the
/// records that pass it, live, in its subscription's history and after recovery. Sockets with
/// the same filter share one room per topic, so each event is encoded once per distinct filter.
extension RealtimeHub {
    /// The room of a topic's followers with the filter whose text is `key` (nil: unfiltered).
    static func room(_ topic: String, filter key: String?) -> String {
        guard let key else { return room(topic) }
        return "\u{1}filter:" + key + "\u{0}" + topic
    }

    /// The filter change a `subscribe` call asks for: its object's `filter` member, a filter's
    /// text or JSON form, or null.
    static func filterChange(from arguments: [JSONValue]) -> Result<SubscriptionFilterChange, SubscriptionRefusal> {
        guard case .object = arguments.first, let member = arguments.first?["filter"] else { return .success(.keep) }
        do {
            switch member {
            case .null: return .success(.clear)
            case .string(let text): return .success(.set(try RecordFilter(text: text)))
            case .object: return .success(.set(try RecordFilter(json: Array(member.jsonText.utf8))))
            default: return .failure(SubscriptionRefusal("filter is a filter's text, its JSON form or null"))
            }
        } catch {
            return .failure(SubscriptionRefusal("\(error) [\(error.code.rawValue)]"))
        }
    }

    /// Gives `socketID` the filter and conflation a `subscribe` call asks for, keeping the counts
    /// of sockets per distinct filter and per conflation group; `before` are the socket's
    /// patterns before the call, `after` those after. Returns the socket's room key (filter
    /// text, with the conflation's key when conflated) before and after.
    static func applySubscription(filter change: SubscriptionFilterChange, conflation: ConflationChange,
                                  to socketID: String, patterns before: Set<TopicPattern>, _ after: Set<TopicPattern>,
                                  in state: inout State, maxKeys: Int) -> (before: String?, after: String?) {
        let keyBefore = roomKey(of: socketID, in: state)
        let filter: RecordFilter?
        switch change {
        case .keep: filter = currentFilter(of: socketID, in: state)
        case .clear: filter = nil
        case .set(let new): filter = new
        }
        detach(socketID, patterns: before, in: &state)
        state.filterKeys[socketID] = filter?.description
        state.conflations[socketID] = conflation.applied(to: state.conflations[socketID])
        attach(socketID, filter: filter, patterns: after, in: &state, maxKeys: maxKeys)
        return (keyBefore, roomKey(of: socketID, in: state))
    }

    /// The socket's patterns change from `before` to `after` (its filter and conflation stay).
    static func changePatterns(of socketID: String, from before: Set<TopicPattern>, to after: Set<TopicPattern>,
                               in state: inout State, maxKeys: Int) {
        guard state.conflations[socketID] != nil else { return }
        let filter = currentFilter(of: socketID, in: state)
        detach(socketID, patterns: before, in: &state)
        attach(socketID, filter: filter, patterns: after, in: &state, maxKeys: maxKeys)
    }

    /// The room key of a socket: nil (unfiltered, unconflated), its filter text, or the
    /// conflation's key with the filter text.
    static func roomKey(of socketID: String, in state: borrowing State) -> String? {
        let filter = state.filterKeys[socketID]
        guard let conflation = state.conflations[socketID] else { return filter }
        return conflation.roomKey(filter: filter, viewer: state.viewer(of: socketID))
    }

    /// The filter a socket subscribed with.
    static func currentFilter(of socketID: String, in state: borrowing State) -> RecordFilter? {
        guard let text = state.filterKeys[socketID] else { return nil }
        if let conflation = state.conflations[socketID] {
            return state.conflationGroups[conflation.roomKey(filter: text, viewer: state.viewer(of: socketID))]?.filter
        }
        return state.activeFilters[text]?.filter
    }

    /// Counts the socket in its filter's or conflation group's sockets.
    private static func attach(_ socketID: String, filter: RecordFilter?, patterns: Set<TopicPattern>,
                               in state: inout State, maxKeys: Int) {
        let text = state.filterKeys[socketID]
        if let conflation = state.conflations[socketID] {
            let viewer = state.viewer(of: socketID)
            let key = conflation.roomKey(filter: text, viewer: viewer)
            state.conflationGroups[key, default: ConflationGroup(filter: filter, roomKey: key, viewer: viewer, settings: conflation,
                                                                 maxKeys: maxKeys)].add(patterns)
        } else if let filter, let text {
            state.activeFilters[text, default: ActiveFilter(filter: filter, sockets: 0)].sockets += 1
        }
    }

    /// Takes the socket out of its filter's or conflation group's sockets (a group without
    /// sockets is forgotten, with what it held).
    private static func detach(_ socketID: String, patterns: Set<TopicPattern>, in state: inout State) {
        let text = state.filterKeys[socketID]
        if let conflation = state.conflations[socketID] {
            let key = conflation.roomKey(filter: text, viewer: state.viewer(of: socketID))
            state.conflationGroups[key]?.remove(patterns)
            if state.conflationGroups[key]?.sockets ?? 0 <= 0 { state.conflationGroups[key] = nil }
        } else if let text {
            state.activeFilters[text]?.sockets -= 1
            if state.activeFilters[text]?.sockets ?? 0 <= 0 { state.activeFilters[text] = nil }
        }
    }

    /// Forgets the subscription of `socketID` (a socket that left for good, or whose recovery
    /// window passed): its patterns, filter and conflation.
    static func dropSubscription(of socketID: String, in state: inout State) {
        detach(socketID, patterns: state.subscriptions[socketID] ?? [], in: &state)
        state.subscriptions[socketID] = nil
        state.filterKeys[socketID] = nil
        state.conflations[socketID] = nil
    }
}
