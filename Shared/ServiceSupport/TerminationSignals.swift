#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The SIGTERM or SIGINT that arrived before the service group took over (0: none). Touched
/// before the handler is installed, so the handler never runs its lazy initialisation.
private let earlySignal = Atomic<Int32>(0)

/// Records a signal that arrived before the service group's handler was installed.
private func recordEarlySignal(_ signal: Int32) {
    earlySignal.store(signal, ordering: .sequentiallyConsistent)
}

/// SIGTERM and SIGINT from the first statement of a service on: the thin wrapper over
/// `sigaction` and `kill`.
///
/// A service's `ServiceGroup` handles SIGTERM and SIGINT (a graceful shutdown), but only once it
/// runs; a signal that arrived earlier (while the configuration is read, the logger set up, a
/// socket bound) killed the process with the default action (exit status 15). Blocking the
/// signals does not help: libdispatch's main thread waits in `sigsuspend` with every signal
/// unblocked. So the first statement of `main` installs a handler that only records the
/// signal, and a watcher thread hands a recorded signal to the group once the group's handler
/// (libdispatch's) replaced it: the service then shuts down as gracefully as when the signal
/// came late. Should no group take over within ``takeoverTimeout``, the recorded signal
/// terminates the process with its default action: a signal is deferred, never lost.
public enum TerminationSignals {
    /// How long a recorded signal waits for a service group.
    public static let takeoverTimeout: Duration = .seconds(60)

    /// Installs the recording handler for SIGTERM and SIGINT and starts the watcher. Call it as
    /// the first statement of `main`.
    public static func deferUntilHandled() {
        _ = earlySignal.load(ordering: .relaxed)
        let signals = [SIGTERM, SIGINT]
        for signal in signals { install(recordEarlySignal, for: signal) }
        let recorder = handlerAddress(recordEarlySignal)
        Thread.detachNewThread {
            let clock = ContinuousClock()
            let deadline = clock.now + takeoverTimeout
            var pause = 0.0005
            // The group's signal source sets SIG_IGN, then libdispatch installs its own handler.
            while signals.contains(where: { currentHandler(of: $0) == recorder || currentHandler(of: $0) <= 1 }) {
                if clock.now >= deadline {
                    let signal = earlySignal.load(ordering: .sequentiallyConsistent)
                    if signal != 0 {
                        restoreDefault(signal)
                        kill(getpid(), signal)
                    }
                    return
                }
                Thread.sleep(forTimeInterval: pause)
                pause = min(pause * 2, 0.05)
            }
            let signal = earlySignal.load(ordering: .sequentiallyConsistent)
            if signal != 0 { kill(getpid(), signal) }
        }
    }

    private static func install(_ handler: @convention(c) (Int32) -> Void, for signal: Int32) {
        var action = sigaction()
        #if canImport(Darwin)
        action.__sigaction_u.__sa_handler = handler
        #else
        action.__sigaction_handler.sa_handler = handler
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(signal, &action, nil)
    }

    private static func restoreDefault(_ signal: Int32) {
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        sigaction(signal, &action, nil)
    }

    /// The address of the handler installed for `signal` (0: default, 1: ignored).
    private static func currentHandler(of signal: Int32) -> UInt {
        var action = sigaction()
        sigaction(signal, nil, &action)
        #if canImport(Darwin)
        return unsafeBitCast(action.__sigaction_u.__sa_handler, to: UInt.self)
        #else
        return unsafeBitCast(action.__sigaction_handler.sa_handler, to: UInt.self)
        #endif
    }

    private static func handlerAddress(_ handler: @convention(c) (Int32) -> Void) -> UInt {
        unsafeBitCast(handler, to: UInt.self)
    }
}
