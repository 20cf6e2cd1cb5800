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

    /// Gives `socketID` the filter `change` asks for, counting sockets per distinct filter;
    /// returns the socket's filter text before and after.
    static func applyFilter(_ change: SubscriptionFilterChange, to socketID: String,
                            in state: inout State) -> (before: String?, after: String?) {
        let before = state.filterKeys[socketID]
        let filter: RecordFilter?
        switch change {
        case .keep: return (before, before)
        case .clear: filter = nil
        case .set(let new): filter = new
        }
        let after = filter?.description
        guard after != before else { return (before, after) }
        dropFilter(of: socketID, in: &state)
        if let filter, let after {
            state.filterKeys[socketID] = after
            state.activeFilters[after, default: ActiveFilter(filter: filter, sockets: 0)].sockets += 1
        }
        return (before, after)
    }

    /// Forgets the filter of `socketID` (a socket that unsubscribed for good or left).
    static func dropFilter(of socketID: String, in state: inout State) {
        guard let key = state.filterKeys.removeValue(forKey: socketID) else { return }
        state.activeFilters[key]?.sockets -= 1
        if state.activeFilters[key]?.sockets ?? 0 <= 0 { state.activeFilters[key] = nil }
    }
}
