#if canImport(Glibc)
import Glibc
#endif
import NIOPosix
import ServiceLifecycle

/// Hands the C heap's free pages back to the system every `interval` (glibc `malloc_trim`).
///
/// glibc keeps memory freed by a busy moment (a connect storm, clients that came and left, a
/// history sent to each new client) in its per-thread arenas; a long-running process whose heap
/// in use stays flat then shows an RSS that only grows (the realtimed soak: a 14 MB heap, an RSS
/// from 38 to 60 MB in 3 minutes). Trimming is cheap next to that (milliseconds for a heap of
/// this size) and does nothing where glibc is not the allocator. `malloc_trim` blocks while it
/// walks the arenas, so it runs on NIO's blocking thread pool, never on Swift's shared pool.
public struct HeapTrimmer: Service {
    private let interval: Duration

    /// A trimmer that runs every `interval`.
    public init(interval: Duration = .seconds(30)) {
        self.interval = interval
    }

    /// Trims every `interval` until cancelled or asked to shut down gracefully (the wait ends
    /// at once then: a process stops in milliseconds, not at the next trim).
    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                try await NIOThreadPool.singleton.runIfActive { Self.trim() }
            }
        }
    }

    /// Returns the free pages of every arena to the system now.
    public static func trim() {
        _ = mallocTrim?(0)
    }

    /// glibc's `int malloc_trim(size_t pad)`, looked up once (Swift's Glibc module leaves out
    /// `malloc.h`); nil elsewhere.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()
}
