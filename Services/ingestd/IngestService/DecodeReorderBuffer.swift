/// Hands back results that complete in any order in the order their work was handed out.
///
/// ``submit()`` gives each piece of work a ticket (0, 1, 2, ...); ``complete(_:with:)`` files its
/// result, whenever it is ready; ``takeReady()`` returns the results of the consecutive tickets
/// completed from the oldest one not yet taken, in ticket order, and forgets them. A result
/// completed ahead of an older one waits until that one is in.
///
/// Not thread-safe: its owner guards it (``IngestDecodePool`` keeps it under its lock).
struct DecodeReorderBuffer<Result> {
    /// The ticket ``submit()`` hands out next.
    private(set) var nextTicket = 0
    /// The oldest ticket whose result was not taken yet.
    private(set) var nextToRelease = 0
    private var completed: [Int: Result] = [:]

    /// Tickets handed out whose results were not taken yet (completed or not).
    var outstanding: Int { nextTicket - nextToRelease }

    /// Whether ``takeReady()`` would return anything.
    var hasReady: Bool { completed[nextToRelease] != nil }

    /// A ticket for the next piece of work.
    mutating func submit() -> Int {
        defer { nextTicket += 1 }
        return nextTicket
    }

    /// Files the result of `ticket`, which must be handed out and not completed before.
    mutating func complete(_ ticket: Int, with result: Result) {
        precondition(ticket >= nextToRelease && ticket < nextTicket, "ticket \(ticket) not outstanding")
        let previous = completed.updateValue(result, forKey: ticket)
        precondition(previous == nil, "ticket \(ticket) completed twice")
    }

    /// The results of the oldest tickets, in ticket order, up to the first one still missing.
    mutating func takeReady() -> [Result] {
        var ready: [Result] = []
        while let result = completed.removeValue(forKey: nextToRelease) {
            ready.append(result)
            nextToRelease += 1
        }
        return ready
    }
}
