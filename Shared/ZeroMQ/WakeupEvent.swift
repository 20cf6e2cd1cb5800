import CZeroMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor other threads signal to wake a thread waiting in ``ZMQPoller/poll(timeout:)``:
/// an `eventfd(2)` on Linux, a non-blocking pipe elsewhere. Thread-safe.
///
/// Signals coalesce: several ``signal()`` calls before a ``drain()`` wake the poller once.
public final class WakeupEvent: Sendable {
    /// The descriptor to register with ``ZMQPoller/add(fileDescriptor:events:)`` for `.readable`.
    public let fileDescriptor: Int32
    private let writeDescriptor: Int32

    /// Creates the descriptor(s).
    public init() throws(ZMQError) {
        #if os(Linux)
        let fd = eventfd(0, Int32(EFD_NONBLOCK) | Int32(EFD_CLOEXEC))
        guard fd >= 0 else { throw ZMQError(code: errno, operation: "eventfd") }
        fileDescriptor = fd
        writeDescriptor = fd
        #else
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw ZMQError(code: errno, operation: "pipe") }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        fileDescriptor = fds[0]
        writeDescriptor = fds[1]
        #endif
    }

    deinit {
        close(fileDescriptor)
        if writeDescriptor != fileDescriptor { close(writeDescriptor) }
    }

    /// Wakes the waiting thread (never blocks).
    public func signal() {
        #if os(Linux)
        var one: UInt64 = 1
        _ = write(writeDescriptor, &one, MemoryLayout<UInt64>.size)
        #else
        var one: UInt8 = 1
        _ = write(writeDescriptor, &one, 1)
        #endif
    }

    /// Consumes pending signals so the descriptor stops being readable (never blocks).
    public func drain() {
        var buffer: (UInt64, UInt64) = (0, 0)
        while withUnsafeMutableBytes(of: &buffer, { read(fileDescriptor, $0.baseAddress, $0.count) }) > 0 {
            #if os(Linux)
            return  // one read resets an eventfd counter
            #endif
        }
    }
}
