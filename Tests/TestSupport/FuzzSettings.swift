import Foundation

/// How many inputs a seeded fuzz test tries, and from which seed: a short run by default (the
/// test command), `FUZZ_ITERATIONS` / `FUZZ_SEED` for long runs (`scripts/fuzz-decoders`).
public enum FuzzSettings {
    /// `FUZZ_ITERATIONS`, else `short`.
    public static func iterations(short: Int) -> Int {
        ProcessInfo.processInfo.environment["FUZZ_ITERATIONS"].flatMap { Int($0) } ?? short
    }

    /// `FUZZ_SEED`, else `fallback`; failures print it so a run can be repeated.
    public static func seed(_ fallback: UInt64) -> UInt64 {
        ProcessInfo.processInfo.environment["FUZZ_SEED"].flatMap { UInt64($0) } ?? fallback
    }

    /// `input`, mutated a few times: bytes replaced, inserted, removed, or the input cut short.
    public static func mutate(_ input: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.insert(UInt8.random(in: 0...255, using: &random), at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3 where !bytes.isEmpty: bytes[position] ^= 1 << UInt8.random(in: 0..<8, using: &random)
            default: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &random)))
            }
        }
        return bytes
    }

    /// Random bytes, up to `maximumLength`.
    public static func noise(maximumLength: Int, using random: inout SplitMix64) -> [UInt8] {
        (0..<Int.random(in: 0...maximumLength, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
    }
}
