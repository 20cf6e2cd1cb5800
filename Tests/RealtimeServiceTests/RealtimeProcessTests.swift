import Foundation
import Testing
import TestSupport

/// realtimed as a command: help, bad settings, shutdown (and, for all three processes, a port in use).
struct RealtimeProcessTests {
    @Test func helpExitsZeroAndNamesTheSettings() throws {
        let child = try ChildProcess(try TestEnvironment.require(RealtimedProcess.executable), ["--help"], label: "realtimed-help")
        #expect(child.waitForExit(timeout: 10) == 0)
        for name in ["BUS_CONNECT", "BUS_SNAPSHOT_CONNECT", "PORT", "HISTORY_SIZE", "API_FAMILIES", "DASHBOARD_DIR"] {
            #expect(child.output.contains(name), "\(name) missing from --help")
        }
    }

    @Test func badSettingExitsTwoNamingIt() throws {
        let child = try ChildProcess(try TestEnvironment.require(RealtimedProcess.executable), [],
                                     environment: ["HISTORY_SIZE": "lots"], label: "realtimed-bad")
        #expect(child.waitForExit(timeout: 10) == 2)
        #expect(child.output.contains("HISTORY_SIZE"))
    }

    /// A port another process holds: each of the three processes exits with status 1 and says
    /// what failed on one line (`ServiceMain`), with no crash and no backtrace.
    @Test(arguments: ["realtimed", "ingestd", "exportd"])
    func portInUseExitsOneSayingSo(process name: String) async throws {
        let port = freeLoopbackPort()
        let holder = try ChildProcess(try TestEnvironment.require(TestEnvironment.python), ["-c", """
            import socket, time
            s = socket.socket(); s.bind(("127.0.0.1", \(port))); s.listen(); time.sleep(60)
            """], label: "port-holder")
        defer { holder.stop(signal: SIGKILL) }
        #expect(await eventually(timeout: 10) { canConnect(port: port) })
        let nowhere = ["BUS_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
                       "BUS_SNAPSHOT_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())"]
        let (executable, environment): (String, [String: String]) = switch name {
        case "realtimed":
            (RealtimedProcess.executable, nowhere.merging(["PORT": String(port), "HOST": "127.0.0.1"]) { $1 })
        case "ingestd":
            // Its snapshot endpoint is bound before anything else runs.
            (IngestdProcess.executable, ["KAFKA_HOSTS": "127.0.0.1:\(freeLoopbackPort())",
                                         "BUS_SNAPSHOT_BIND": "tcp://127.0.0.1:\(port)",
                                         "BUS_PUBLISH_BIND": "tcp://127.0.0.1:\(freeLoopbackPort())",
                                         "INGEST_HTTP_HOST": "127.0.0.1", "INGEST_HTTP_PORT": String(freeLoopbackPort())])
        default:
            (ExportdProcess.executable, nowhere.merging([
                "PORT": String(port), "HOST": "127.0.0.1",
                "DATA_DIR": FileManager.default.temporaryDirectory.appendingPathComponent("port-\(UUID().uuidString.prefix(8))").path,
            ]) { $1 })
        }
        let child = try ChildProcess(try TestEnvironment.require(executable), [], environment: environment, label: "\(name)-port")
        #expect(child.waitForExit(timeout: 20) == 1, "\(child.output.suffix(2000))")
        #expect(child.output.contains("\(name): "), "\(child.output.suffix(2000))")
        #expect(child.output.contains("Address already in use"), "\(child.output.suffix(2000))")
        #expect(!child.output.contains("Fatal error") && !child.output.contains("Backtrace"), "\(child.output.suffix(2000))")
    }

    @Test func sigtermExitsZeroQuicklyWithoutIngestd() async throws {
        let port = freeLoopbackPort()
        let child = try ChildProcess(try TestEnvironment.require(RealtimedProcess.executable), [], environment: [
            "PORT": String(port), "HOST": "127.0.0.1", "BUS_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
            "BUS_SNAPSHOT_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
        ], label: "realtimed-term")
        // Without a publisher it serves after its grace period; /health then says 503.
        let serving = await eventually(timeout: 10) { canConnect(port: port) }
        #expect(serving, "\(child.output)")
        let started = Date()
        #expect(child.stop(signal: SIGTERM, timeout: 5) == 0, "\(child.output.suffix(2000))")
        #expect(Date().timeIntervalSince(started) < 2.5)
    }

    @Test func sigtermWhileWaitingForTheBusExitsZero() async throws {
        let child = try ChildProcess(try TestEnvironment.require(RealtimedProcess.executable), [], environment: [
            "PORT": "0", "HOST": "127.0.0.1", "BUS_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
            "BUS_SNAPSHOT_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())", "LOGGING_LEVEL": "DEBUG",
        ], label: "realtimed-early-term")
        // At the first line it logs, before its service group (which handles the signals) runs:
        // SIGTERM is blocked from the first statement of main on, so it waits for the group
        // instead of killing the process (exit 15, issue 12).
        #expect(await eventually(timeout: 10, interval: 0.001) { child.output.contains("starting") })
        #expect(child.stop(signal: SIGTERM, timeout: 5) == 0, "\(child.output.suffix(2000))")
        #expect(!child.output.contains("Fatal error"))
    }

    /// SIGTERM sent the moment realtimed catches it (read from /proc/<pid>/status): from the
    /// first statement of main a handler records it and hands it to the service group once the
    /// group runs, so even this early signal ends in a graceful exit 0 (issue 12's race).
    @Test func sigtermAsSoonAsItIsCaughtExitsZero() async throws {
        let child = try ChildProcess(try TestEnvironment.require(RealtimedProcess.executable), [], environment: [
            "PORT": "0", "HOST": "127.0.0.1", "BUS_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
            "BUS_SNAPSHOT_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
        ], label: "realtimed-earliest-term")
        let pid = child.process.processIdentifier
        let executable = URL(fileURLWithPath: try TestEnvironment.require(RealtimedProcess.executable)).resolvingSymlinksInPath().path
        let caught = await eventually(timeout: 10, interval: 0.0002) {
            // After the exec (before it, the spawning test process's handlers show).
            guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")) == executable,
                  let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = text.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
                  let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16)
            else { return false }
            return mask & (1 << (UInt64(SIGTERM) - 1)) != 0
        }
        #expect(caught, "SIGTERM never caught: \(child.output.suffix(2000))")
        #expect(child.stop(signal: SIGTERM, timeout: 10) == 0, "\(child.output.suffix(2000))")
        #expect(!child.output.contains("Fatal error"))
    }
}
