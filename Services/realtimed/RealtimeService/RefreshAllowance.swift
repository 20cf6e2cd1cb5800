/// How many `refresh` events one connection may send: ``burst`` per ``window``, counted from the
/// first of the window. Each refresh costs a signature check, so the allowance is taken before
/// the token is read.
struct RefreshAllowance: Sendable, Equatable {
    /// Refreshes allowed in one window.
    static let burst = 3
    /// The length of a window.
    static let window = Duration.seconds(10)

    private var windowStart: ContinuousClock.Instant?
    private var taken = 0

    /// Takes one refresh at `now`; false when the connection used up its window.
    mutating func take(at now: ContinuousClock.Instant) -> Bool {
        if let start = windowStart, now - start < Self.window {
            guard taken < Self.burst else { return false }
            taken += 1
            return true
        }
        windowStart = now
        taken = 1
        return true
    }
}
