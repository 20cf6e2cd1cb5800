import Bus
import Foundation
import Synchronization
import Testing

/// What a dedicated thread's work captured is released on that thread before the caller goes on:
/// nothing of it is left to be destroyed during the thread's exit (which could run while the
/// process exits: ingestd aborted that way with a corrupted heap after SIGTERM, about once in 50
/// stops).
@Suite("Dedicated threads")
struct DedicatedThreadTests {
    /// Counts its own deinits.
    final class Tracked: Sendable {
        let deinits: Deinits
        init(_ deinits: Deinits) { self.deinits = deinits }
        deinit { deinits.count.add(1, ordering: .sequentiallyConsistent) }
    }

    final class Deinits: Sendable {
        let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .sequentiallyConsistent) }
    }

    // Repeated: before the fix the capture went with the thread's exit, just after the caller
    // resumed, so most rounds found it still alive.
    @Test func runReleasesWhatTheWorkCapturedBeforeReturning() async {
        let deinits = Deinits()
        for round in 1...50 {
            await DedicatedThread.run(name: "capture-test") { [tracked = Tracked(deinits)] in _ = tracked }
            #expect(deinits.value == round)
        }
    }

    @Test func throwingRunReleasesTheWorkAndKeepsNoReferenceToTheResult() async throws {
        let deinits = Deinits()
        for round in 1...50 {
            weak var weakResult: Tracked?
            do {
                let result = try await DedicatedThread.run(name: "result-test") { [tracked = Tracked(deinits)] () throws -> Tracked in
                    _ = tracked
                    return Tracked(deinits)
                }
                #expect(deinits.value == 2 * round - 1, "the capture is gone, the result is not")
                weakResult = result
            }
            #expect(weakResult == nil, "the caller held the result's only reference")
            #expect(deinits.value == 2 * round)
        }
        struct Failure: Error {}
        await #expect(throws: Failure.self) {
            try await DedicatedThread.run(name: "throw-test") { () throws -> Int in throw Failure() }
        }
    }

    @Test func joinReturnsOnceTheWorkEndedAndLetGoOfItsCaptures() async {
        let deinits = Deinits()
        let ran = Deinits()
        await DedicatedThread.run(name: "joiner") {
            let handle = DedicatedThread.start(name: "joined") { [tracked = Tracked(deinits)] in
                _ = tracked
                usleep(20_000)
                ran.count.add(1, ordering: .sequentiallyConsistent)
            }
            handle.join()
        }
        #expect(ran.value == 1)
        #expect(deinits.value == 1)
    }

    @Test(arguments: [("bus-subscriber", "bus-subscriber"), ("ingest-decode-12345", "ingest-decode-1")])
    func threadsCarryTheirNameCutTo15Bytes(name: String, shown: String) async throws {
        let seen = try await DedicatedThread.run(name: name) { () throws -> String in
            try String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8).trimmingCharacters(in: .newlines)
        }
        #expect(seen == shown)
    }
}
