import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The export files behind `/data/<id>.csv`, where the id is 128 random bits in hex (the URL is
/// the capability): pending exports (``ExportPendingFile``, kept as `DATA_DIR/exports/<id>.export`
/// and streamed from the store when downloaded) and, from runs before pending exports,
/// rendered files `DATA_DIR/exports/<id>.csv`. Each expires `ttl` after it was made and is then
/// deleted. Files left by an earlier run keep their expiry (from their modification time).
///
/// It also keeps the files' and streams' usage per merchant and in all against ``ExportLimits``:
/// a file is reserved before it is written and counts until it expires.
public final class ExportFileRegistry: Sendable {
    private struct Entry {
        var expiry: ContinuousClock.Instant
        var owner: String
        var bytes: Int
        /// The selection to stream; nil for a rendered `<id>.csv`.
        var pending: ExportPendingFile?
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var usage: ExportUsage
    }

    public let directory: String
    public let ttl: Duration
    private let state: Mutex<State>

    public init(directory: String, ttl: Duration, limits: ExportLimits = ExportLimits()) throws(ExportStorageError) {
        self.directory = directory
        self.ttl = ttl
        try ExportStore.makeDirectory(directory)
        var state = State(usage: ExportUsage(limits: limits))
        let now = ContinuousClock.now
        let wallNow = Date()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let path = directory + "/" + name
            var pending: ExportPendingFile?
            let id: String
            if let csv = Self.id(fileName: name) {
                id = csv
            } else if name.hasSuffix(".export"), let named = Self.id(fileName: String(name.dropLast(7)) + ".csv"),
                      let data = FileManager.default.contents(atPath: path),
                      let decoded = try? JSONDecoder().decode(ExportPendingFile.self, from: data) {
                // A torn or unreadable description (a crash while it was written) is deleted below.
                id = named
                pending = decoded
            } else {
                if name.hasSuffix(".tmp") || name.hasSuffix(".export") { try? FileManager.default.removeItem(atPath: path) }
                continue
            }
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let modified = attributes?[.modificationDate] as? Date ?? wallNow
            let bytes = pending?.estimatedBytes ?? (attributes?[.size] as? NSNumber)?.intValue ?? 0
            let age = max(0, wallNow.timeIntervalSince(modified))
            state.entries[id] = Entry(expiry: now.advanced(by: ttl - .milliseconds(Int64(age * 1000))),
                                      owner: ExportUsage.unknown, bytes: bytes, pending: pending)
            state.usage.adopt(bytes: bytes)
        }
        self.state = Mutex(state)
    }

    /// A fresh random id (128 bits, 32 hex digits).
    public static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        func hex(_ value: UInt64) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        return hex(high) + hex(low)
    }

    /// The id in a file name `<32 lowercase hex digits>.csv`, or nil for anything else (which
    /// also rejects every traversal attempt).
    public static func id(fileName: String) -> String? {
        guard fileName.hasSuffix(".csv") else { return nil }
        let id = fileName.dropLast(4)
        guard id.utf8.count == 32, id.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return String(id)
    }

    /// Where a file with `id` lives.
    public func path(id: String) -> String { directory + "/" + id + ".csv" }
    /// Where a pending export with `id` is described.
    public func pendingPath(id: String) -> String { directory + "/" + id + ".export" }

    /// Reserves a file for `owner` before it is made, or says which limit refuses it. Follow
    /// with ``register(id:owner:pending:)`` or ``cancel(owner:)``.
    func reserve(owner: String) -> ExportRefusal? {
        state.withLock { $0.usage.reserveFile(owner: owner) }
    }

    /// A reserved file could not be written.
    func cancel(owner: String) {
        state.withLock { $0.usage.fileRemoved(owner: owner, bytes: 0) }
    }

    /// Writes the description of a pending export (not synced: as a rendered file was not) and
    /// publishes it, reserved for `owner`: `/data/<id>.csv` streams it until its TTL passes. It
    /// counts its estimated size against the byte limits, as the rendered file did. Blocking
    /// (file write).
    func register(id: String, owner: String, pending: ExportPendingFile) throws(ExportStorageError) {
        let data: Data
        do {
            data = try JSONEncoder().encode(pending)
        } catch {
            throw ExportStorageError(path: pendingPath(id: id), operation: "encode", errno: EINVAL)
        }
        let path = pendingPath(id: id)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ExportStorageError(path: path, operation: "create", errno: errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                written += result
            }
        }
        close(descriptor)
        if failure != 0 {
            unlink(path)
            throw ExportStorageError(path: path, operation: "write", errno: failure)
        }
        state.withLock { state in
            state.usage.fileWritten(owner: owner, bytes: pending.estimatedBytes)
            state.entries[id] = Entry(expiry: ContinuousClock.now.advanced(by: ttl), owner: owner, bytes: pending.estimatedBytes,
                                      pending: pending)
        }
    }

    /// What `/data/<id>.csv` serves: a live (registered, unexpired) pending export or rendered
    /// file, or nil.
    func lookup(id: String) -> ExportFileLookup? {
        let now = ContinuousClock.now
        let entry: Entry? = state.withLock { state in
            guard let entry = state.entries[id], now < entry.expiry else { return nil }
            return entry
        }
        guard let entry else { return nil }
        if let pending = entry.pending { return .pending(pending) }
        return .file(path(id: id))
    }

    /// Counts a stream of `owner`, or says which limit refuses it.
    func beginStream(owner: String) -> ExportRefusal? {
        state.withLock { $0.usage.beginStream(owner: owner) }
    }

    /// A stream of `owner` ended.
    func endStream(owner: String) {
        state.withLock { $0.usage.endStream(owner: owner) }
    }

    /// Number of live files.
    public var count: Int { state.withLock { $0.entries.count } }

    /// Bytes of all live files.
    public var bytes: Int { state.withLock { $0.usage.bytes } }

    /// Streamed exports in progress.
    public var streams: Int { state.withLock { $0.usage.streams } }

    /// Forgets and deletes expired files; returns how many. Blocking (file deletion).
    @discardableResult
    public func deleteExpired() -> Int {
        let now = ContinuousClock.now
        let expired: [(id: String, pending: Bool)] = state.withLock { state in
            let ids = state.entries.filter { $0.value.expiry <= now }.map(\.key)
            return ids.compactMap { id in
                guard let entry = state.entries.removeValue(forKey: id) else { return nil }
                state.usage.fileRemoved(owner: entry.owner, bytes: entry.bytes)
                return (id, entry.pending != nil)
            }
        }
        for (id, pending) in expired { unlink(pending ? pendingPath(id: id) : path(id: id)) }
        return expired.count
    }
}
