#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The append-only journal file of one topic: framed, checksummed ``JournalEntry`` values,
/// appended in batches, each batch fsync'd before it counts. Rewritten (compacted) to a
/// temporary file that is fsync'd and atomically renamed over the journal.
///
/// On open, the longest intact prefix is kept and a torn or corrupt tail (a crash mid-write)
/// is cut off. Owns its file descriptor; blocking calls: use it off the concurrency pool.
final class TopicJournal {
    let path: String
    private var descriptor: Int32
    /// Bytes in the file.
    private(set) var size: Int

    /// Opens (creating) the journal at `path`; returns it with the entries it holds and how many
    /// bytes of torn tail were dropped.
    static func open(path: String) throws(ExportStorageError) -> (journal: TopicJournal, entries: [JournalEntry], droppedBytes: Int) {
        let contents = try readFile(path)
        let (entries, validLength) = JournalEntry.decodeAll(contents)
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ExportStorageError(path: path, operation: "open", errno: errno) }
        if validLength < contents.count {
            guard ftruncate(descriptor, off_t(validLength)) == 0, fsync(descriptor) == 0 else {
                let error = errno
                close(descriptor)
                throw ExportStorageError(path: path, operation: "truncate", errno: error)
            }
        }
        return (TopicJournal(path: path, descriptor: descriptor, size: validLength), entries, contents.count - validLength)
    }

    private init(path: String, descriptor: Int32, size: Int) {
        self.path = path
        self.descriptor = descriptor
        self.size = size
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Appends `bytes` (whole entries) and fsyncs. On failure the file is cut back to what it
    /// held before, so a torn write never sits between intact entries (a journal is read up to
    /// its first bad entry); the caller keeps the bytes and appends them again later.
    func append(_ bytes: [UInt8]) throws(ExportStorageError) {
        guard !bytes.isEmpty else { return }
        if descriptor < 0 { try reopen() }
        do throws(ExportStorageError) {
            try Self.writeAll(bytes, to: descriptor, path: path)
            guard fdatasync(descriptor) == 0 else { throw ExportStorageError(path: path, operation: "fsync", errno: errno) }
        } catch {
            if ftruncate(descriptor, off_t(size)) != 0 {
                // Cannot cut the torn tail now: drop the descriptor; the next append reopens
                // and cuts it first.
                close(descriptor)
                descriptor = -1
            }
            throw error
        }
        size += bytes.count
    }

    /// Opens the journal file again and cuts it to the bytes known good.
    private func reopen() throws(ExportStorageError) {
        let reopened = Glibc.open(path, O_WRONLY | O_APPEND | O_CLOEXEC, 0o644)
        guard reopened >= 0 else { throw ExportStorageError(path: path, operation: "reopen", errno: errno) }
        guard ftruncate(reopened, off_t(size)) == 0 else {
            let error = errno
            close(reopened)
            throw ExportStorageError(path: path, operation: "truncate", errno: error)
        }
        descriptor = reopened
    }

    /// Replaces the whole journal with `bytes` atomically: temporary file, fsync, rename, fsync
    /// of the directory. Throws only when the journal is unchanged (before the rename).
    func replace(with bytes: [UInt8]) throws(ExportStorageError) {
        let temporary = path + ".tmp"
        let fresh = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fresh >= 0 else { throw ExportStorageError(path: temporary, operation: "create", errno: errno) }
        do throws(ExportStorageError) {
            try Self.writeAll(bytes, to: fresh, path: temporary)
            guard fsync(fresh) == 0 else { throw ExportStorageError(path: temporary, operation: "fsync", errno: errno) }
        } catch {
            close(fresh)
            unlink(temporary)
            throw error
        }
        close(fresh)
        guard rename(temporary, path) == 0 else {
            let error = errno
            unlink(temporary)
            throw ExportStorageError(path: path, operation: "rename", errno: error)
        }
        Self.syncDirectory(of: path)
        // The journal now is the new file, durable: never append to the old (unlinked) one again.
        // When it cannot be opened right now, the next append retries (and reports it).
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        size = bytes.count
        try? reopen()
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(ExportStorageError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw ExportStorageError(path: path, operation: "write", errno: errno)
            }
            written += result
        }
    }

    static func readFile(_ path: String) throws(ExportStorageError) -> [UInt8] {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if descriptor < 0 {
            if errno == ENOENT { return [] }
            throw ExportStorageError(path: path, operation: "open", errno: errno)
        }
        defer { close(descriptor) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ExportStorageError(path: path, operation: "read", errno: errno)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
        }
    }

    static func syncDirectory(of path: String) {
        let directory = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        let descriptor = Glibc.open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
