/// A small deterministic random generator (SplitMix64), so a demo run with a given seed produces
/// the same data every time and the generators can be tested.
public struct DemoRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Noise in `-amplitude...amplitude`, roughly bell-shaped (the mean of three uniform draws).
    public mutating func noise(_ amplitude: Double) -> Double {
        guard amplitude > 0 else { return 0 }
        let sum = Double.random(in: -1...1, using: &self) + Double.random(in: -1...1, using: &self)
            + Double.random(in: -1...1, using: &self)
        return amplitude * sum / 3
    }

    /// `true` with probability `probability`.
    public mutating func chance(_ probability: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < probability
    }
}
