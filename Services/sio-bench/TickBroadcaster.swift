import Logging
import ServiceLifecycle
import SocketIO

/// Broadcasts `tick` events to every socket of the main namespace when a `start` event asks
/// for it: at a fixed rate (paced against the clock, at most one `emit(batch:)` of at most
/// `batch` events per turn; a server behind its rate emits without sleeping), or as fast as it can (`rate` 0). One run at a time; a `start` received
/// during a run is ignored.
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
        let end = begin + .milliseconds(Int64(command.seconds * 1000))
        var sent = 0
        var batch: [SocketIOEvent] = []
        batch.reserveCapacity(command.batch)
        logger.info("broadcast started", metadata: [
            "rate": "\(command.eventsPerSecond)", "seconds": "\(command.seconds)",
            "sockets": "\(io.main.socketCount)",
        ])
        while clock.now < end, !Task.isCancelled {
            let due: Int
            if command.eventsPerSecond > 0 {
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
                let stamp = WallClock.microseconds()
                batch.removeAll(keepingCapacity: true)
                for index in 0..<count { batch.append(TickPayload.event(sequence: sent + index, sentAt: stamp)) }
                _ = io.main.emit(batch: batch)
                sent += count
            }
            if command.eventsPerSecond > 0 && due <= count {
                try? await Task.sleep(for: .milliseconds(1))
            } else {
                await Task.yield()
            }
        }
        logger.info("broadcast finished", metadata: ["events": "\(sent)", "sockets": "\(io.main.socketCount)"])
    }
}
