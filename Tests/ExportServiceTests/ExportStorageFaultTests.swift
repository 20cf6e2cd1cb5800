import Foundation
import Kafka
import Testing
import TestSupport

/// Issue 12: a failed journal write (here: the file size limit, `EFBIG`, as a full disk gives
/// `ENOSPC`) loses nothing. exportd answers 503 and counts it, applies nothing newer until the
/// journal is written, and a restart (also after kill -9 while writes fail) holds every record
/// exactly once.
@Suite(.serialized) struct ExportStorageFaultTests {
    let broker: TansuBroker
    let producer: KafkaProducer

    init() throws {
        broker = try TansuBroker()
        producer = try KafkaProducer(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "1"])
    }

    static let limit = ["/usr/bin/prlimit", "--fsize=65536:unlimited", "--"]

    func send(_ range: Range<Int>) throws {
        let padding = String(repeating: "x", count: 120)
        for n in range { try producer.send(topic: "buyOffer", value: Array(#"{"n":\#(n),"note":"\#(padding)"}"#.utf8)) }
        try producer.flush()
    }

    /// The `n` of every row of the streamed buyOffer export.
    func exported(_ exportd: ExportdProcess) async -> [Int] {
        guard let answer = await exportd.get("/export/data/buyOffer.csv"), answer.status == 200 else { return [] }
        let lines = String(decoding: answer.body, as: UTF8.self).split(separator: "\n").dropFirst()
        return lines.compactMap { Int($0.split(separator: ",").first ?? "") }
    }

    func health(_ exportd: ExportdProcess) async -> Int? { await exportd.get("/health")?.status }

    @Test func aFailingJournalWriteLosesNothingAndIsReported() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.limit[0]), "prlimit (util-linux) is missing")
        try producer.createTopics(["buyOffer"])
        let ingestd = try IngestdProcess(broker: broker, group: "journal-fault", environment: ["ALLOWED_TOPICS_REGEX": "^buyOffer$"])
        try await ingestd.waitUntilReady()
        let directory = try ExportFixtures.temporaryDirectory()
        let environment = ["MERCHANT_TOPICS": "buyOffer"]
        var exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: environment, launcher: Self.limit)
        try await exportd.waitUntilReady()

        // 1,000 records make a journal well past the 64 KiB limit: writes fail, exportd says so.
        try send(0..<1000)
        let failing = await eventually(timeout: 30, interval: 0.1) { await health(exportd) == 503 }
        #expect(failing, "\(exportd.process.output.suffix(3000))")
        #expect(await exportd.metric("export_storage_errors_total") ?? 0 >= 1)
        #expect(await exportd.metric("export_journal_unwritten_bytes") ?? 0 > 0)

        // The disk recovers: the unwritten entries are written, everything is there.
        let raised = try ChildProcess("/usr/bin/prlimit", ["--pid", "\(exportd.process.process.processIdentifier)", "--fsize=unlimited:unlimited"])
        #expect(raised.waitForExit(timeout: 10) == 0, "\(raised.output)")
        let recovered = await eventually(timeout: 30, interval: 0.1) { await health(exportd) == 200 }
        #expect(recovered, "\(exportd.process.output.suffix(3000))")
        let complete = await eventually(timeout: 30, interval: 0.2) { await exported(exportd) == Array(0..<1000) }
        let completeCount = await exported(exportd).count
        #expect(complete, "exported \(completeCount) rows")

        // A restart reads the journal: every record exactly once.
        _ = exportd.process.stop()
        exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: environment)
        try await exportd.waitUntilReady()
        #expect(await exported(exportd) == Array(0..<1000))

        // Writes fail again, and exportd is killed before they recover: the restart replays
        // what the journal lacks from Kafka.
        _ = exportd.process.stop()
        exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: environment, launcher: Self.limit)
        try await exportd.waitUntilReady()
        try send(1000..<1500)
        let failingAgain = await eventually(timeout: 30, interval: 0.1) { await health(exportd) == 503 }
        #expect(failingAgain, "\(exportd.process.output.suffix(3000))")
        _ = exportd.process.stop(signal: SIGKILL)
        exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: environment)
        try await exportd.waitUntilReady()
        let all = await eventually(timeout: 30, interval: 0.2) { await exported(exportd) == Array(0..<1500) }
        let allCount = await exported(exportd).count
        #expect(all, "exported \(allCount) rows")
        _ = exportd.process.stop()
    }

    /// A real full disk: exportd's data directory on a 256 KiB tmpfs. Writes fail with `ENOSPC`,
    /// exportd answers 503 and holds back; when the tmpfs grows, every record is stored once.
    @Test func aFullDiskLosesNothing() async throws {
        let directory = try ExportFixtures.temporaryDirectory()
        let mount = try ChildProcess("/usr/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", directory])
        try #require(mount.waitForExit(timeout: 10) == 0, "mounting a tmpfs needs root: \(mount.output)")
        defer { _ = try? ChildProcess("/usr/bin/umount", ["-l", directory]).waitForExit(timeout: 10) }
        try producer.createTopics(["buyOffer"])
        let ingestd = try IngestdProcess(broker: broker, group: "disk-full", environment: ["ALLOWED_TOPICS_REGEX": "^buyOffer$"])
        try await ingestd.waitUntilReady()
        let exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: ["MERCHANT_TOPICS": "buyOffer"])
        try await exportd.waitUntilReady()

        try send(0..<3000)  // about 450 KB of journal: the disk fills up
        let failing = await eventually(timeout: 30, interval: 0.1) { await health(exportd) == 503 }
        #expect(failing, "\(exportd.process.output.suffix(3000))")
        #expect(await exportd.metric("export_storage_errors_total") ?? 0 >= 1)
        #expect(exportd.process.output.contains("No space left on device") || exportd.process.output.contains("ENOSPC"),
                "\(exportd.process.output.suffix(2000))")

        let grow = try ChildProcess("/usr/bin/mount", ["-o", "remount,size=16m", directory])
        #expect(grow.waitForExit(timeout: 10) == 0, "\(grow.output)")
        let recovered = await eventually(timeout: 30, interval: 0.1) { await health(exportd) == 200 }
        #expect(recovered, "\(exportd.process.output.suffix(3000))")
        let complete = await eventually(timeout: 30, interval: 0.2) { await exported(exportd) == Array(0..<3000) }
        let count = await exported(exportd).count
        #expect(complete, "exported \(count) rows")
        _ = exportd.process.stop()
    }

    /// Input/output errors from the disk, injected into exportd's own system calls: while the
    /// trigger file exists, writes to a journal are torn (half written, then `EIO`) and its fsyncs
    /// fail with `EIO`, as a failing disk does. Nothing else in the process is touched.
    static let ioErrorShim = #"""
        #define _GNU_SOURCE
        #include <dlfcn.h>
        #include <errno.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>
        static int failing(int fd) {
            const char *trigger = getenv("EIO_TRIGGER_FILE");
            if (!trigger || access(trigger, F_OK) != 0) return 0;
            char link[64], target[4096];
            snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
            ssize_t n = readlink(link, target, sizeof target - 1);
            if (n <= 0) return 0;
            target[n] = 0;
            return strstr(target, ".journal") != NULL;
        }
        static __thread int torn;
        ssize_t write(int fd, const void *buffer, size_t count) {
            static ssize_t (*real)(int, const void *, size_t);
            if (!real) real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
            if (failing(fd) && count > 1) {
                if (!torn) { torn = 1; return real(fd, buffer, count / 2); }
                torn = 0; errno = EIO; return -1;
            }
            return real(fd, buffer, count);
        }
        int fdatasync(int fd) {
            static int (*real)(int);
            if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
            if (failing(fd)) { errno = EIO; return -1; }
            return real(fd);
        }
        int fsync(int fd) {
            static int (*real)(int);
            if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
            if (failing(fd)) { errno = EIO; return -1; }
            return real(fd);
        }
        """#

    /// Builds the shim with the toolchain's C compiler.
    static func buildIOErrorShim() throws -> String {
        let directory = try ExportFixtures.temporaryDirectory()
        let source = directory + "/eio.c", library = directory + "/eio.so"
        try ioErrorShim.write(toFile: source, atomically: true, encoding: .utf8)
        // Any C compiler on PATH (the Swift toolchain ships clang), else the usual places.
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let candidates = path.flatMap { ["\($0)/cc", "\($0)/clang"] } + ["/usr/bin/cc", "/opt/swift/usr/bin/clang"]
        let compiler = candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
        let cc = try #require(compiler, "no C compiler")
        let build = try ChildProcess(cc, ["-shared", "-fPIC", "-O1", "-o", library, source, "-ldl"])
        try #require(build.waitForExit(timeout: 60) == 0, "\(build.output)")
        return library
    }

    @Test func ioErrorsOnTheJournalLoseNothing() async throws {
        let shim = try Self.buildIOErrorShim()
        let trigger = try ExportFixtures.temporaryDirectory() + "/failing"
        try producer.createTopics(["buyOffer"])
        let ingestd = try IngestdProcess(broker: broker, group: "journal-eio", environment: ["ALLOWED_TOPICS_REGEX": "^buyOffer$"])
        try await ingestd.waitUntilReady()
        let directory = try ExportFixtures.temporaryDirectory()
        let environment = ["MERCHANT_TOPICS": "buyOffer", "LD_PRELOAD": shim, "EIO_TRIGGER_FILE": trigger]
        var exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: environment)
        try await exportd.waitUntilReady()
        try send(0..<300)
        #expect(await eventually(timeout: 30, interval: 0.1) { await exported(exportd) == Array(0..<300) })

        // The disk fails: torn writes and failed fsyncs. exportd says so and holds back.
        #expect(FileManager.default.createFile(atPath: trigger, contents: nil))
        try send(300..<600)
        let failing = await eventually(timeout: 30, interval: 0.1) { await health(exportd) == 503 }
        #expect(failing, "\(exportd.process.output.suffix(3000))")
        #expect(await exportd.metric("export_storage_errors_total") ?? 0 >= 1)
        #expect(exportd.process.output.contains("Input/output error") || exportd.process.output.contains("EIO"),
                "\(exportd.process.output.suffix(2000))")

        // The disk recovers: every record once, in memory and after a restart from the journal.
        try FileManager.default.removeItem(atPath: trigger)
        let recovered = await eventually(timeout: 30, interval: 0.1) { await health(exportd) == 200 }
        #expect(recovered, "\(exportd.process.output.suffix(3000))")
        #expect(await eventually(timeout: 30, interval: 0.2) { await exported(exportd) == Array(0..<600) })
        _ = exportd.process.stop()
        exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: ["MERCHANT_TOPICS": "buyOffer"])
        try await exportd.waitUntilReady()
        #expect(await exported(exportd) == Array(0..<600))
        #expect(!exportd.process.output.contains("torn journal tail"), "the torn writes were cut back before the restart")

        // It fails again and exportd is killed meanwhile: the restart keeps every intact entry and
        // replays the rest from Kafka.
        _ = exportd.process.stop()
        exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: environment)
        try await exportd.waitUntilReady()
        #expect(FileManager.default.createFile(atPath: trigger, contents: nil))
        try send(600..<900)
        #expect(await eventually(timeout: 30, interval: 0.1) { await health(exportd) == 503 })
        _ = exportd.process.stop(signal: SIGKILL)
        try FileManager.default.removeItem(atPath: trigger)
        exportd = try ExportdProcess(ingestd: ingestd, dataDirectory: directory, environment: ["MERCHANT_TOPICS": "buyOffer"])
        try await exportd.waitUntilReady()
        let all = await eventually(timeout: 30, interval: 0.2) { await exported(exportd) == Array(0..<900) }
        let count = await exported(exportd).count
        #expect(all, "exported \(count) rows")
        _ = exportd.process.stop()
    }
}
