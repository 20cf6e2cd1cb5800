#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A storage operation under `DATA_DIR` failed.
public struct ExportStorageError: Error, CustomStringConvertible, Sendable {
    /// The file or directory.
    public var path: String
    /// What was done: `open`, `write`, `fsync`, `rename`, ...
    public var operation: String
    /// The system error number.
    public var errno: Int32

    public init(path: String, operation: String, errno: Int32) {
        self.path = path
        self.operation = operation
        self.errno = errno
    }

    public var description: String { "\(operation) \(path) failed: \(String(cString: strerror(errno)))" }
}
