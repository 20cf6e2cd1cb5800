/// What a ``Conflator`` did since it was last asked (the hub adds these to its metrics).
struct ConflationCounts: Sendable, Equatable {
    /// Records replaced by a newer record of the same key before they went out.
    var superseded = 0
    /// Records the rate cap kept from going out when they were due (each counted once).
    var capped = 0
    /// Windows flushed before their end because the keys held reached the bound.
    var earlyFlushes = 0
    /// Records dropped at the key bound because the rate cap held back the early flush.
    var dropped = 0

    var isZero: Bool { self == ConflationCounts() }
}
