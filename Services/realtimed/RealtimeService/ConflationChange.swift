/// What a `subscribe` call does to the socket's ``ConflationSettings``, member by member: a
/// member the call leaves out is kept, `null` clears it, a number sets it.
struct ConflationChange: Sendable, Equatable {
    /// `conflate`: nil keeps the window, `.some(nil)` clears it, `.some(n)` sets it to n ms.
    var everyMilliseconds: Int??
    /// `maxPerSecond`: the same for the cap.
    var maxPerSecond: Int??

    /// A call that names neither.
    static let keep = ConflationChange(everyMilliseconds: nil, maxPerSecond: nil)

    /// The settings after the change; nil when neither is set (the unconflated path).
    func applied(to current: ConflationSettings?) -> ConflationSettings? {
        var settings = current ?? ConflationSettings()
        if let everyMilliseconds { settings.everyMilliseconds = everyMilliseconds }
        if let maxPerSecond { settings.maxPerSecond = maxPerSecond }
        return settings.isActive ? settings : nil
    }
}
