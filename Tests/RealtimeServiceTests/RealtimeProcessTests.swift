import Foundation
import Testing
import TestSupport

/// realtimed as a command: help, bad settings, shutdown.
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

    @Test func portInUseExitsOneSayingSo() async throws {
        let port = freeLoopbackPort()
        let holder = try ChildProcess(try TestEnvironment.require(TestEnvironment.python), ["-c", """
            import socket, time
            s = socket.socket(); s.bind(("127.0.0.1", \(port))); s.listen(); time.sleep(60)
            """], label: "port-holder")
        #expect(await eventually(timeout: 10) { canConnect(port: port) })
        let child = try ChildProcess(try TestEnvironment.require(RealtimedProcess.executable), [], environment: [
            "PORT": String(port), "HOST": "127.0.0.1", "BUS_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
            "BUS_SNAPSHOT_CONNECT": "tcp://127.0.0.1:\(freeLoopbackPort())",
        ], label: "realtimed-port")
        #expect(child.waitForExit(timeout: 15) == 1)
        #expect(child.output.contains("Address already in use"), "\(child.output.suffix(2000))")
        #expect(!child.output.contains("Fatal error"))
        holder.stop(signal: SIGKILL)
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
}
