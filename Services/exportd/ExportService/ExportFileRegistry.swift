import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The export files under `DATA_DIR/exports/`: `<id>.csv` where the id is 128 random bits in
/// hex (the URL is the capability). Each expires `ttl` after it was written and is then deleted.
/// Files left by an earlier run keep their expiry (from their modification time).
public final class ExportFileRegistry: Sendable {
    public let directory: String
    public let ttl: Duration
    private let expiries: Mutex<[String: ContinuousClock.Instant]>

    public init(directory: String, ttl: Duration) throws(ExportStorageError) {
        self.directory = directory
        self.ttl = ttl
        try ExportStore.makeDirectory(directory)
        var expiries: [String: ContinuousClock.Instant] = [:]
        let now = ContinuousClock.now
        let wallNow = Date()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            let path = directory + "/" + name
            guard let id = Self.id(fileName: name) else {
                if name.hasSuffix(".tmp") { try? FileManager.default.removeItem(atPath: path) }
                continue
            }
            let modified = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? wallNow
            let age = max(0, wallNow.timeIntervalSince(modified))
            expiries[id] = now.advanced(by: ttl - .milliseconds(Int64(age * 1000)))
        }
        self.expiries = Mutex(expiries)
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

    /// Publishes a written file: it can be downloaded until its TTL passes.
    public func register(id: String) {
        expiries.withLock { $0[id] = ContinuousClock.now.advanced(by: ttl) }
    }

    /// The path of a live (registered, unexpired) file, or nil.
    public func livePath(id: String) -> String? {
        let live = expiries.withLock { expiries in
            guard let expiry = expiries[id] else { return false }
            return ContinuousClock.now < expiry
        }
        return live ? path(id: id) : nil
    }

    /// Number of live files.
    public var count: Int { expiries.withLock { $0.count } }

    /// Forgets and deletes expired files; returns how many. Blocking (file deletion).
    @discardableResult
    public func deleteExpired() -> Int {
        let now = ContinuousClock.now
        let expired: [String] = expiries.withLock { expiries in
            let ids = expiries.filter { $0.value <= now }.map(\.key)
            for id in ids { expiries[id] = nil }
            return ids
        }
        for id in expired { unlink(path(id: id)) }
        return expired.count
    }
}
