#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGTERM and SIGINT from the first instruction of a service on: the thin wrapper over
/// `pthread_sigmask`.
///
/// A service's `ServiceGroup` handles SIGTERM and SIGINT (a graceful shutdown), but only once it
/// runs; a signal that arrives earlier (while the configuration is read, the logger set up, a
/// socket bound) would kill the process with the default action (exit status 15). Blocking both
/// signals first thing in `main`, before any other thread exists, makes every thread inherit
/// the block: an early signal stays pending until the group's signal source takes it, and the
/// service then shuts down as gracefully as when the signal came late.
public enum TerminationSignals {
    /// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later. Call it
    /// as the first statement of `main`.
    public static func deferUntilHandled() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }
}
