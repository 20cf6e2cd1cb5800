import Bus
import RecordFilter
import SocketIO
import Visibility

/// Conflation for dashboards (issue 19): `subscribe` with `"conflate": {"everyMs": N}` (latest
/// per key every N ms) and/or `"maxPerSecond": R` (a cap per client). Sockets with the same
/// filter and conflation form a ``ConflationGroup``: one room per topic, one ``Conflator``, so a
/// window's events are encoded once for all of them. Sockets without either never reach this
/// code: the record path only checks that no group exists.
extension RealtimeHub {
    /// The conflation change a `subscribe` call asks for, or why it is refused.
    static func conflationChange(from arguments: [JSONValue]) -> Result<ConflationChange, SubscriptionRefusal> {
        guard case .object = arguments.first, let object = arguments.first else { return .success(.keep) }
        var change = ConflationChange.keep
        if let member = object["conflate"] {
            switch member {
            case .null: change.everyMilliseconds = .some(nil)
            case .object(let members):
                let range = ConflationSettings.windowRange
                guard members.count == 1, members[0].key == "everyMs", let every = members[0].value.intValue,
                      range.contains(Int(clamping: every)) else {
                    return .failure(SubscriptionRefusal(
                        "conflate is {\"everyMs\": n} with n an integer from \(range.lowerBound) to \(range.upperBound), or null [bad-conflate]"))
                }
                change.everyMilliseconds = .some(Int(every))
            default:
                return .failure(SubscriptionRefusal("conflate is {\"everyMs\": n} or null [bad-conflate]"))
            }
        }
        if let member = object["maxPerSecond"] {
            let range = ConflationSettings.rateRange
            if case .null = member {
                change.maxPerSecond = .some(nil)
            } else if let rate = member.intValue, range.contains(Int(clamping: rate)) {
                change.maxPerSecond = .some(Int(rate))
            } else {
                return .failure(SubscriptionRefusal(
                    "maxPerSecond is an integer from \(range.lowerBound) to \(range.upperBound), or null [bad-max-per-second]"))
            }
        }
        return .success(change)
    }

    /// Hands a live record's events to the conflation groups whose filter it passes, whose
    /// members follow its topic and may see it (`owner`, with `AUTH_MODE=token`: a group's
    /// members share one identity); what an early flush lets out goes to `byRoom`.
    func offerConflated(_ record: BusRecord, _ events: [SocketIOEvent], owner: RecordOwner?, now: ContinuousClock.Instant,
                        state: inout State, byRoom: inout [String: [SocketIOEvent]]) {
        let key = ConflationKey(record)
        for groupKey in state.conflationGroups.keys {
            guard state.conflationGroups[groupKey]!.isFollowed(record.topic),
                  state.conflationGroups[groupKey]!.viewer.map({ owner?.isVisible(to: $0) ?? true }) ?? true,
                  state.conflationGroups[groupKey]!.filter?.matches(record) ?? true else { continue }
            let early = state.conflationGroups[groupKey]!.conflator.offer(
                ConflatedEvents(topic: record.topic, events: events), key: key, now: now)
            for item in early { byRoom[Self.room(item.topic, filter: groupKey), default: []].append(contentsOf: item.events) }
        }
    }

    /// Lets out what every group has due at `now` into `byRoom`; returns what the groups did
    /// (for the metrics) and the earliest next deadline.
    func releaseConflated(now: ContinuousClock.Instant, state: inout State,
                          byRoom: inout [String: [SocketIOEvent]]) -> (ConflationCounts, ContinuousClock.Instant?) {
        var counts = ConflationCounts()
        var next: ContinuousClock.Instant?
        for groupKey in state.conflationGroups.keys {
            for item in state.conflationGroups[groupKey]!.conflator.release(now: now) {
                byRoom[Self.room(item.topic, filter: groupKey), default: []].append(contentsOf: item.events)
            }
            let taken = state.conflationGroups[groupKey]!.conflator.takeCounts()
            counts.superseded += taken.superseded
            counts.capped += taken.capped
            counts.earlyFlushes += taken.earlyFlushes
            counts.dropped += taken.dropped
            if let deadline = state.conflationGroups[groupKey]!.conflator.nextDeadline {
                next = min(next ?? deadline, deadline)
            }
        }
        return (counts, next)
    }

    /// Sends what the conflation groups have due at `now` (``ConflationTicker`` calls it); returns
    /// whether any group exists and the earliest time one has something due.
    @discardableResult
    func tickConflation(now: ContinuousClock.Instant) -> (groups: Bool, next: ContinuousClock.Instant?) {
        var sent = 0
        var result: (Bool, ContinuousClock.Instant?) = (false, nil)
        var counts = ConflationCounts()
        emitOrder.withLock { _ in
            var byRoom: [String: [SocketIOEvent]] = [:]
            state.withLock { state in
                guard !state.conflationGroups.isEmpty else { return }
                let (taken, next) = releaseConflated(now: now, state: &state, byRoom: &byRoom)
                counts = taken
                result = (true, next)
            }
            EngineFlushBatch.coalescing {
                for (room, events) in byRoom { sent += io.main.to(room).emit(batch: events) * events.count }
            }
        }
        countConflation(counts, sent: sent)
        return result
    }

    /// Adds what the groups did to the metrics.
    func countConflation(_ counts: ConflationCounts, sent: Int) {
        if sent > 0 { metrics.eventsSent.increment(by: sent) }
        guard !counts.isZero else { return }
        if counts.superseded > 0 { metrics.conflatedRecords.increment(by: counts.superseded) }
        if counts.capped > 0 { metrics.rateCappedRecords.increment(by: counts.capped) }
        if counts.earlyFlushes > 0 { metrics.conflationEarlyFlushes.increment(by: counts.earlyFlushes) }
        if counts.dropped > 0 { metrics.conflationDropped.increment(by: counts.dropped) }
    }

    /// The live events of the latest record of every key among the kept history of `topics`
    /// that passes `filter`, in the order the records arrived (what a client subscribing with
    /// `conflate` gets before the conflated live updates). Keys the group `roomKey` holds are
    /// left out: their newest record goes out with the window, so none is sent twice.
    func latestPerKeyEvents(_ topics: [String], filter: RecordFilter?, roomKey: String?, viewer: Viewer?,
                            _ state: borrowing State) -> [SocketIOEvent] {
        let conflator = roomKey.flatMap { state.conflationGroups[$0]?.conflator }
        var events: [SocketIOEvent] = []
        for topic in topics {
            guard let topicState = state.topics[topic] else { continue }
            for record in topicState.priceWarsHistory.latestPerKey(matching: filter, visibleTo: viewer) {
                if let conflator, conflator.holds(ConflationKey(record)) { continue }
                events.append(contentsOf: liveEvents(topic, shaper.shape(record, families: topicState.families)))
            }
        }
        return events
    }
}
