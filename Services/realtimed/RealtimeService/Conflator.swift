/// Latest per key every N ms and a records-per-second cap, on explicit time (no clock inside,
/// no timers): ``offer(_:key:now:)`` takes a record in, ``release(now:)`` says what goes out.
///
/// - Window (`everyMilliseconds`): the first record held opens a window of N ms; at its end
///   the newest record of each key goes out, ordered by when that record arrived. A key's
///   record is replaced by newer ones while it waits, so a record that went out is never
///   followed by an older one of its key.
/// - Cap (`maxPerSecond` R): at most R records go out in any second (a sliding second, not a
///   token bucket that would allow 2R around a refill). Records over the cap stay held,
///   conflated per key with newer ones, and go out as the cap allows, oldest first. Without a
///   window they go out as soon as the cap allows.
/// - Bound (`maxKeys`): a record of a new key when `maxKeys` keys are held flushes the window
///   early (counted); if the cap holds records back so no key is freed, the oldest held record
///   is dropped (counted) to make room.
struct Conflator<Value: Sendable>: Sendable {
    typealias Instant = ContinuousClock.Instant

    let settings: ConflationSettings
    let maxKeys: Int
    private var held: [ConflationKey: Held] = [:]
    private var arrivals: UInt64 = 0
    private var windowEnd: Instant?
    /// When the last record was taken in (a held record without a window is due from then).
    private var lastOffer: Instant?
    /// When the last sends went out, oldest first (at most `maxPerSecond`; a ring buffer).
    private var sent: [Instant] = []
    private var sentStart = 0
    private(set) var counts = ConflationCounts()

    private struct Held: Sendable {
        var value: Value
        var arrival: UInt64
        var capped = false
    }

    init(settings: ConflationSettings, maxKeys: Int) {
        self.settings = settings
        self.maxKeys = max(1, maxKeys)
    }

    /// Keys held, waiting to go out.
    var heldKeys: Int { held.count }

    /// Whether a record of `key` waits to go out.
    func holds(_ key: ConflationKey) -> Bool { held[key] != nil }

    /// Takes a record in; returns what must go out before it (an early flush at the key bound),
    /// oldest first. The record itself waits for ``release(now:)``.
    mutating func offer(_ value: Value, key: ConflationKey, now: Instant) -> [Value] {
        arrivals += 1
        lastOffer = now
        var out: [Value] = []
        if var entry = held[key] {
            counts.superseded += 1
            entry.value = value
            entry.arrival = arrivals
            entry.capped = false
            held[key] = entry
            return out
        }
        if held.count >= maxKeys {
            counts.earlyFlushes += 1
            out = flush(now: now)
            if held.count >= maxKeys, let oldest = held.min(by: { $0.value.arrival < $1.value.arrival })?.key {
                held[oldest] = nil
                counts.dropped += 1
            }
        }
        held[key] = Held(value: value, arrival: arrivals)
        if let every = settings.everyMilliseconds, windowEnd == nil { windowEnd = now + .milliseconds(every) }
        return out
    }

    /// What goes out at `now`, oldest first: the held records when the window ended (or at once
    /// without a window), as many as the cap allows.
    mutating func release(now: Instant) -> [Value] {
        guard !held.isEmpty else { return [] }
        if settings.everyMilliseconds != nil {
            guard let end = windowEnd, now >= end else { return [] }
        }
        return flush(now: now)
    }

    /// When ``release(now:)`` next has something to give: the window's end, or when the cap
    /// allows the next record; nil when nothing is held.
    var nextDeadline: Instant? {
        guard !held.isEmpty else { return nil }
        var deadline = windowEnd
        if let rate = settings.maxPerSecond, sent.count - sentStart >= rate {
            let capFrees = sent[sentStart] + .seconds(1)
            deadline = max(capFrees, deadline ?? capFrees)
        }
        return deadline ?? lastOffer
    }

    /// Returns the counts so far and starts again from zero.
    mutating func takeCounts() -> ConflationCounts {
        defer { counts = ConflationCounts() }
        return counts
    }

    /// The held records that may go out at `now`, oldest first, within the cap; the window
    /// closes (or, with records still held by the cap, the next one starts).
    private mutating func flush(now: Instant) -> [Value] {
        var order = held.map { (key: $0.key, arrival: $0.value.arrival) }
        order.sort { $0.arrival < $1.arrival }
        var allowed = order.count
        if let rate = settings.maxPerSecond {
            forgetSends(before: now - .seconds(1))
            allowed = min(allowed, rate - (sent.count - sentStart))
        }
        var out: [Value] = []
        out.reserveCapacity(allowed)
        for entry in order.prefix(allowed) {
            out.append(held.removeValue(forKey: entry.key)!.value)
            if settings.maxPerSecond != nil { sent.append(now) }
        }
        for entry in order.dropFirst(allowed) where !held[entry.key]!.capped {
            held[entry.key]!.capped = true
            counts.capped += 1
        }
        if let every = settings.everyMilliseconds {
            windowEnd = held.isEmpty ? nil : now + .milliseconds(every)
        }
        return out
    }

    /// Drops send times at or before `limit` (they no longer count against the cap).
    private mutating func forgetSends(before limit: Instant) {
        while sentStart < sent.count, sent[sentStart] <= limit { sentStart += 1 }
        if sentStart > 64 && sentStart * 2 > sent.count {
            sent.removeFirst(sentStart)
            sentStart = 0
        }
    }
}
