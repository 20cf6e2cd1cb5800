import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The export files under `DATA_DIR/exports/`: `<id>.csv` where the id is 128 random bits in
/// hex (the URL is the capability). Each expires `ttl` after it was written and is then deleted.
/// Files left by an earlier run keep their expiry (from their modification time).
///
/// It also keeps the files' and streams' usage per merchant and in all against ``ExportLimits``:
/// a file is reserved before it is written and counts until it expires.
public final class ExportFileRegistry: Sendable {
    private struct Entry {
        var expiry: ContinuousClock.Instant
        var owner: String
        var bytes: Int
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
            guard let id = Self.id(fileName: name) else {
                if name.hasSuffix(".tmp") { try? FileManager.default.removeItem(atPath: path) }
                continue
            }
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            let modified = attributes?[.modificationDate] as? Date ?? wallNow
            let bytes = (attributes?[.size] as? NSNumber)?.intValue ?? 0
            let age = max(0, wallNow.timeIntervalSince(modified))
            state.entries[id] = Entry(expiry: now.advanced(by: ttl - .milliseconds(Int64(age * 1000))),
                                      owner: ExportUsage.unknown, bytes: bytes)
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
    /// Where a file with `id` is written before it is published.
    public func temporaryPath(id: String) -> String { directory + "/" + id + ".csv.tmp" }

    /// Reserves a file for `owner` before it is written, or says which limit refuses it. Follow
    /// with ``register(id:owner:bytes:)`` or ``cancel(owner:)``.
    func reserve(owner: String) -> ExportRefusal? {
        state.withLock { $0.usage.reserveFile(owner: owner) }
    }

    /// A reserved file could not be written.
    func cancel(owner: String) {
        state.withLock { $0.usage.fileRemoved(owner: owner, bytes: 0) }
    }

    /// Publishes a file reserved for `owner` and written with `bytes` bytes: it can be downloaded
    /// until its TTL passes.
    func register(id: String, owner: String, bytes: Int) {
        state.withLock { state in
            state.usage.fileWritten(owner: owner, bytes: bytes)
            state.entries[id] = Entry(expiry: ContinuousClock.now.advanced(by: ttl), owner: owner, bytes: bytes)
        }
    }

    /// Counts a stream of `owner`, or says which limit refuses it.
    func beginStream(owner: String) -> ExportRefusal? {
        state.withLock { $0.usage.beginStream(owner: owner) }
    }

    /// A stream of `owner` ended.
    func endStream(owner: String) {
        state.withLock { $0.usage.endStream(owner: owner) }
    }

    /// The path of a live (registered, unexpired) file, or nil.
    public func livePath(id: String) -> String? {
        let live = state.withLock { state in
            guard let entry = state.entries[id] else { return false }
            return ContinuousClock.now < entry.expiry
        }
        return live ? path(id: id) : nil
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
        let expired: [String] = state.withLock { state in
            let ids = state.entries.filter { $0.value.expiry <= now }.map(\.key)
            for id in ids {
                if let entry = state.entries.removeValue(forKey: id) {
                    state.usage.fileRemoved(owner: entry.owner, bytes: entry.bytes)
                }
            }
            return ids
        }
        for id in expired { unlink(path(id: id)) }
        return expired.count
    }
}
