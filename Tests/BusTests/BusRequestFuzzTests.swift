import Bus
import Foundation
import Testing
import TestSupport

/// Issue 11: a seeded random fuzz of the bus request parser (what ingestd's ROUTER socket
/// accepts from any peer). Every input either parses to a request that round-trips through its
/// frames, with bounded counts, or throws `BusProtocolError`; nothing crashes. Short here;
/// `scripts/fuzz-decoders` runs 1,000,000 inputs.
@Suite struct BusRequestFuzzTests {
    static let commands = ["SNAPSHOT", "REPLAY", "PRESENCE", "SNAPSHOTX", "", "replay"].map { Array($0.utf8) }
    static let arguments: [[UInt8]] = [
        #"{"buyOffer": {"0": 10, "1": 0}, "stcs.solar": {}}"#,
        #"{"replica": "rt-1", "clients": 12, "ttl_ms": 3000}"#,
        #"{"replica": "x", "clients": 9223372036854775807, "ttl_ms": 1}"#,
        #"{"t": {"-1": -5, "2147483648": 1e400}}"#,
        "stcs.", "",
    ].map { Array($0.utf8) }

    static func run(iterations: Int, seed: UInt64) -> (parsed: Int, refused: Int) {
        var random = SplitMix64(seed: seed)
        var parsed = 0
        var refused = 0
        for round in 0..<iterations {
            var frames: [[UInt8]] = []
            let count = Int.random(in: 0...3, using: &random) == 0 ? Int.random(in: 0...4, using: &random) : 2
            for index in 0..<count {
                let pool = index == 0 ? commands : arguments
                let base = pool[Int.random(in: 0..<pool.count, using: &random)]
                switch Int.random(in: 0..<4, using: &random) {
                case 0: frames.append(base)
                case 1: frames.append(FuzzSettings.noise(maximumLength: 48, using: &random))
                default: frames.append(FuzzSettings.mutate(base, using: &random))
                }
            }
            do {
                let request = try BusRequest(frames: frames)
                parsed += 1
                let again = try? BusRequest(frames: request.frames)
                if again != request { Issue.record("seed \(seed) round \(round): \(request) does not round-trip") }
                if case .presence(let report) = request, report.clients < 0 || report.ttlMilliseconds < 0 {
                    Issue.record("seed \(seed) round \(round): negative presence accepted")
                }
            } catch {
                refused += 1
            }
        }
        return (parsed, refused)
    }

    @Test func randomAndMutatedRequestsParseAndRoundTripOrThrow() {
        let seed = FuzzSettings.seed(0xB05_F022)
        let (parsed, refused) = Self.run(iterations: FuzzSettings.iterations(short: 20_000), seed: seed)
        #expect(parsed > 0 && refused > 0, "both outcomes exercised (seed \(seed))")
    }
}
