import Foundation

/// A compressed day: maps wall-clock time to a time of day, so a demo shows sunrise, noon and
/// night within minutes.
public struct DayCycle: Sendable {
    /// Wall-clock seconds one simulated day lasts.
    public let dayLength: Double

    /// A cycle in which a simulated day lasts `dayLength` wall-clock seconds (at least 1).
    public init(dayLength: Double) {
        self.dayLength = max(1, dayLength)
    }

    /// The time of day at `time` (seconds since 1970) as a fraction: 0 midnight, 0.5 noon.
    public func fraction(at time: Double) -> Double {
        let phase = time.truncatingRemainder(dividingBy: dayLength) / dayLength
        return phase < 0 ? phase + 1 : phase
    }

    /// How high the sun is at `time`: 0 between 18:00 and 06:00, rising to 1 at noon along a
    /// half sine.
    public func sunElevation(at time: Double) -> Double {
        let fraction = fraction(at: time)
        guard fraction > 0.25, fraction < 0.75 else { return 0 }
        return sin((fraction - 0.25) * 2 * Double.pi)
    }
}
