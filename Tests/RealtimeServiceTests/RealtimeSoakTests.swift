import Foundation
import Testing
import TestSupport

/// The soak of issue 17 in short (`scripts/soak-realtime` runs it for 30 minutes): ingestd and
/// realtimed with records flowing while loads of mixed Engine.IO v3/v4 clients keep joining and
/// leaving. Every load keeps its clients and counts records, realtimed counts no client once all
/// left, and its RSS does not grow from the second quarter to the last.
@Suite struct RealtimeSoakTests {
    @Test func clientsJoiningAndLeavingLeaveRealtimedAsItWas() throws {
        let debug = URL(fileURLWithPath: RealtimedProcess.executable).deletingLastPathComponent()
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/bench/soak_realtime.py").path
        let soak = try ChildProcess(try TestEnvironment.require(TestEnvironment.python), [
            script, "--ingestd", IngestdProcess.executable, "--realtimed", RealtimedProcess.executable,
            "--sio-bench", try TestEnvironment.require(debug.appendingPathComponent("sio-bench").path),
            "--tansu", try TestEnvironment.require(TestEnvironment.tansu),
            "--minutes", "0.6", "--rate", "100", "--slots", "3", "--clients-per-slot", "20", "--stay-seconds", "6",
            "--sample-seconds", "1", "--rss-growth", "0.25", "--cpu-growth", "3",
        ], label: "soak")
        defer { soak.stop(signal: SIGKILL) }
        let status = soak.waitForExit(timeout: 180)
        #expect(status == 0, "\(soak.output.suffix(3000))")
        #expect(soak.output.contains("soak: flat"), "\(soak.output.suffix(3000))")
        #expect(soak.output.contains("0 clients dropped, 0 loads failed; clients counted after all left: 0"),
                "\(soak.output.suffix(3000))")
    }
}
