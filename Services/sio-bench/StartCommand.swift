import SocketIO

/// What the load generator asks for with
/// `42["start",{"rate":…,"seconds":…,"batch":…,"tick":…}]`.
struct StartCommand: Sendable, Equatable {
    /// Broadcast events per second; 0 means as fast as the server can emit.
    var eventsPerSecond: Double
    /// How long to broadcast.
    var seconds: Double
    /// The most events in one `emit(batch:)`.
    var batch: Int
    /// The paced broadcaster's period in milliseconds: every tick it emits the events that
    /// fell due since the previous one, in one `emit(batch:)` (1 when absent).
    var tickMilliseconds: Double

    /// The command in `arguments` of a `start` event, or nil if they are not one.
    init?(arguments: [JSONValue]) {
        guard let options = arguments.first,
            let rate = options["rate"]?.doubleValue, rate >= 0, rate.isFinite,
            let seconds = options["seconds"]?.doubleValue, seconds > 0, seconds <= 3600
        else { return nil }
        let batch = options["batch"]?.doubleValue ?? 16
        guard batch >= 1, batch <= 10_000 else { return nil }
        let tick = options["tick"]?.doubleValue ?? 1
        guard tick >= 0.1, tick <= 1_000 else { return nil }
        self.eventsPerSecond = rate
        self.seconds = seconds
        self.batch = Int(batch)
        self.tickMilliseconds = tick
    }
}
