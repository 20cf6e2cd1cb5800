import ServiceLifecycle

/// Lets out what conflated subscriptions have due (window ends, records the rate cap held
/// back): wakes at the earliest deadline, at most every ``busyTick`` while conflation groups
/// exist (windows end at most that late), and every ``idleTick`` while none does.
struct ConflationTicker: Service {
    /// The longest sleep while conflation groups exist.
    static let busyTick: Duration = .milliseconds(5)
    /// The sleep while no socket is conflated.
    static let idleTick: Duration = .milliseconds(100)

    let hub: RealtimeHub

    func run() async throws {
        let clock = ContinuousClock()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = clock.now
            let (groups, next) = hub.tickConflation(now: now)
            var sleep = groups ? Self.busyTick : Self.idleTick
            if let next { sleep = min(sleep, max(.milliseconds(1), next - now)) }
            guard (try? await Task.sleep(for: sleep)) != nil else { break }
        }
    }
}
