import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a flag the producer's loop checks, so it stops between ticks,
/// delivers what it queued and exits 0.
final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.stop() }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
    }

    /// Whether a stop signal arrived.
    var isStopped: Bool {
        lock.withLock { stopped }
    }

    func stop() {
        lock.withLock { stopped = true }
    }

    /// Sleeps until `deadline` (a `DispatchTime` uptime in nanoseconds) or a stop signal,
    /// whichever comes first, checking every 50 ms.
    func sleep(untilUptimeNanoseconds deadline: UInt64) {
        while !isStopped {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return }
            Thread.sleep(forTimeInterval: Double(min(deadline - now, 50_000_000)) / 1e9)
        }
    }
}
