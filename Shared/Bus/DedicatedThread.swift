import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (socket loops, librdkafka and ZeroMQ calls) on its own named OS thread,
/// never on Swift's shared pool.
///
/// The work closure, and so everything it captured, is released on that thread **before**
/// anyone is told it finished: a caller that goes on (and a process that exits once its last
/// task returns) never races a deinit still running on a thread that is ending. Foundation's
/// `Thread` alone would keep the closure until the thread's own teardown, after the waiting task
/// had resumed; an object whose last reference it held (a Kafka client, a ZeroMQ context) was then
/// destroyed inside thread-exit cleanup, possibly while `exit()` ran.
public enum DedicatedThread {
    /// A started thread, to wait for (``join()``).
    public final class Handle: Sendable {
        private let done = DispatchSemaphore(value: 0)

        fileprivate init() {}

        fileprivate func finish() { done.signal() }

        /// Blocks the calling thread until the thread's work has returned and released what it
        /// captured. Call it once, from a thread that may block (never from Swift's pool).
        public func join() { done.wait() }
    }

    /// Starts `body` on a new thread named `name` (at most 15 bytes are kept) and returns at once.
    @discardableResult
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Handle {
        let handle = Handle()
        spawn(name: name, body) { handle.finish() }
        return handle
    }

    /// Starts `body` on a new thread and returns when it has finished.
    public static func run(name: String, _ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            spawn(name: name, body) { continuation.resume() }
        }
    }

    /// Starts `body` on a new thread and returns its result once it has finished.
    public static func run<Result: Sendable>(
        name: String, _ body: @escaping @Sendable () throws -> Result
    ) async throws -> Result {
        // The thread leaves the result here and keeps no reference to it: the caller's is the only one.
        let outcome = Outcome<Result>()
        await run(name: name) { outcome.value = Swift.Result { try body() } }
        return try outcome.take().get()
    }

    /// Runs `body` on a new thread, releases it, then calls `finished` there.
    private static func spawn(name: String, _ body: @escaping @Sendable () -> Void,
                              finished: @escaping @Sendable () -> Void) {
        let work = Work(body)
        let thread = Thread {
            setCurrentThreadName(name)
            work.runOnce()
            finished()
        }
        thread.start()
    }

    /// Names the calling thread as `ps`, `top`, crash backtraces and debuggers show it (Linux
    /// keeps 15 bytes). Foundation's `Thread.name`, set before `start()`, names nothing on Linux.
    private static func setCurrentThreadName(_ name: String) {
        #if os(Linux)
        let descriptor = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        #endif
    }

    /// Holds the work until its thread takes it, so the thread can drop it when done.
    private final class Work: @unchecked Sendable {
        /// Touched by the starting thread (init) and then only by the new thread.
        private var body: (@Sendable () -> Void)?

        init(_ body: @escaping @Sendable () -> Void) { self.body = body }

        func runOnce() {
            guard let body else { return }
            self.body = nil
            body()
        }
    }

    /// The result of a thread's work, written by that thread before it signals and read by the
    /// caller after.
    private final class Outcome<Value>: @unchecked Sendable {
        var value: Swift.Result<Value, any Error>?

        func take() -> Swift.Result<Value, any Error> {
            defer { value = nil }
            return value!
        }
    }
}
