import Logging
import ServiceLifecycle
import SocketIO

/// Broadcasts `tick` events to every socket of the main namespace when a `start` event asks
/// for it. One run at a time; a `start` received during a run is ignored.
///
/// Paced runs (`rate` > 0) emulate a source whose events arrive evenly spread in time: event
/// `n` is due at `begin + n / rate`, and it carries that due time as its `t` stamp, so the
/// latency the clients measure includes the time an event waited for its tick (and any lateness
/// of the broadcaster), not only the time from `emit` on. Every `tick` ms the broadcaster emits
/// the events that fell due, at most `batch` per `emit(batch:)`, then sleeps until the next tick
/// boundary; when it is behind it emits again without sleeping. Unpaced runs (`rate` 0) emit
/// `batch` events per turn as fast as they can, stamped when emitted.
final class TickBroadcaster: Service, Sendable {
    private let io: SocketIOServer
    private let logger: Logger
    private let commands: AsyncStream<StartCommand>
    private let continuation: AsyncStream<StartCommand>.Continuation

    init(io: SocketIOServer, logger: Logger) {
        self.io = io
        self.logger = logger
        (commands, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a run (called from the `start` event handler).
    func start(_ command: StartCommand) {
        continuation.yield(command)
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await command in self.commands {
                await self.broadcast(command)
            }
        }
    }

    private func broadcast(_ command: StartCommand) async {
        let clock = ContinuousClock()
        let begin = clock.now
        let wallBegin = WallClock.microseconds()
        let end = begin + .milliseconds(Int64(command.seconds * 1000))
        let tick = Duration.microseconds(Int64(command.tickMilliseconds * 1000))
        var nextTick = begin + tick
        var sent = 0
        // How late the sleeps between ticks woke up (a late wake-up delays every event due
        // meanwhile, and counts in the clients' latency through the due-time stamps).
        var maximumLateness = Duration.zero
        var lateWakeups = 0
        var batch: [SocketIOEvent] = []
        batch.reserveCapacity(command.batch)
        logger.info("broadcast started", metadata: [
            "rate": "\(command.eventsPerSecond)", "seconds": "\(command.seconds)",
            "tick.ms": "\(command.tickMilliseconds)", "sockets": "\(io.main.socketCount)",
        ])
        let paced = command.eventsPerSecond > 0
        let microsecondsPerEvent = paced ? 1_000_000 / command.eventsPerSecond : 0
        while clock.now < end, !Task.isCancelled {
            let due: Int
            if paced {
                let elapsed = clock.now - begin
                let elapsedSeconds =
                    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                due = Int(elapsedSeconds * command.eventsPerSecond) - sent
            } else {
                due = command.batch
            }
            // At most one batch per turn, so the end time is kept even when the server is behind.
            let count = min(max(due, 0), command.batch)
            if count > 0 {
                let now = WallClock.microseconds()
                batch.removeAll(keepingCapacity: true)
                for index in 0..<count {
                    let stamp = paced ? wallBegin + Int64(Double(sent + index + 1) * microsecondsPerEvent) : now
                    batch.append(TickPayload.event(sequence: sent + index, sentAt: stamp))
                }
                _ = io.main.emit(batch: batch)
                sent += count
            }
            if paced && due <= count {
                // Caught up: sleep to the next tick boundary (skipping boundaries already past).
                let now = clock.now
                while nextTick <= now { nextTick += tick }
                try? await Task.sleep(until: nextTick, clock: clock)
                let lateness = clock.now - nextTick
                if lateness > maximumLateness { maximumLateness = lateness }
                if lateness > .milliseconds(20) { lateWakeups += 1 }
            } else {
                await Task.yield()
            }
        }
        logger.info("broadcast finished", metadata: [
            "events": "\(sent)", "sockets": "\(io.main.socketCount)",
            "wakeup.lateness.max": "\(maximumLateness)", "wakeups.later.than.20ms": "\(lateWakeups)",
        ])
    }
}
