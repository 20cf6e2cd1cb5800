import Foundation

/// A small solar-thermal plant whose sensors change smoothly: the sun follows a compressed day,
/// the collector heats up in the sun, the solar pump moves its heat into a storage tank when the
/// collector is warmer than the tank's bottom, and a heating pump draws heat in the morning and
/// evening.
///
/// Each call to ``readings(at:)`` advances the plant to that time and returns one reading per
/// sensor topic (``topics``).
public struct SolarPlantSimulator: Sendable {
    /// The topics the plant writes, one DataRecord each per step.
    public static let topics = ["stcs.weather", "stcs.solar.collector", "stcs.storage", "stcs.pumps"]

    /// Collector area in m² (for the energy counter).
    static let collectorArea = 4.0
    /// Share of the irradiance the collector turns into heat.
    static let collectorEfficiency = 0.6

    private let cycle: DayCycle
    private var random: DemoRandom
    private var lastTime: Double?
    private var collectorTemperature = 15.0
    private var collectorReturnTemperature = 15.0
    private var tankTop = 45.0
    private var tankMiddle = 38.0
    private var tankBottom = 30.0
    private var solarPumpRunning = false
    private var energyWattHours = 0.0
    private var windSpeed = 3.0

    /// A plant whose day lasts `cycle.dayLength` wall-clock seconds; `seed` fixes the noise.
    public init(cycle: DayCycle, seed: UInt64) {
        self.cycle = cycle
        self.random = DemoRandom(seed: seed)
    }

    /// Advances the plant to `time` (seconds since 1970; earlier times than the last call do
    /// not move it back) and returns the readings of every topic, stamped `time`.
    public mutating func readings(at time: Double) -> [SensorReading] {
        let elapsed = min(max(time - (lastTime ?? time), 0), 60)
        lastTime = time
        // Simulated seconds per wall-clock second, for the energy counter.
        let speedUp = 86_400 / cycle.dayLength
        let sun = cycle.sunElevation(at: time)
        let fraction = cycle.fraction(at: time)

        let irradiance = max(0, 950 * sun + (sun > 0 ? random.noise(12) : 0))
        // The air is warmest mid-afternoon (15:00) and coldest before sunrise.
        let outside = 11 + 7 * sin((fraction - 0.375) * 2 * Double.pi) + random.noise(0.15)
        windSpeed = min(max(windSpeed + random.noise(0.3), 0), 14)

        // Pump on when the collector is 6 K above the tank's bottom, off below 2 K (hysteresis).
        if solarPumpRunning {
            if collectorTemperature < tankBottom + 2 { solarPumpRunning = false }
        } else if collectorTemperature > tankBottom + 6 {
            solarPumpRunning = true
        }
        let heatingPumpRunning = fraction < 0.3 || fraction > 0.8

        let collectorTarget = solarPumpRunning
            ? tankBottom - 1 + irradiance * 0.02
            : outside + irradiance * 0.075
        collectorTemperature = approach(collectorTemperature, collectorTarget, elapsed: elapsed, timeConstant: 8)
        collectorReturnTemperature = approach(
            collectorReturnTemperature, solarPumpRunning ? tankBottom + 1 : collectorTemperature - 2,
            elapsed: elapsed, timeConstant: 6)

        // The tank warms from the collector and cools through heating and losses.
        let gain = solarPumpRunning ? irradiance / 950 * 0.08 : 0
        let draw = heatingPumpRunning ? 0.04 : 0.005
        tankTop = clamp(tankTop + elapsed * (gain - draw) + random.noise(0.02), 20, 90)
        tankMiddle = approach(tankMiddle, tankTop - 6, elapsed: elapsed, timeConstant: 30)
        tankBottom = approach(tankBottom, tankMiddle - 7, elapsed: elapsed, timeConstant: 40)

        if solarPumpRunning {
            let watts = irradiance * Self.collectorArea * Self.collectorEfficiency
            energyWattHours += watts * elapsed * speedUp / 3600
        }
        let status: String
        if solarPumpRunning {
            status = "charging"
        } else if irradiance > 0 {
            status = "heating_up"
        } else {
            status = "idle"
        }
        let valve = heatingPumpRunning ? Int32(clamp(60 + (45 - tankTop) * 4, 10, 100).rounded()) : 0

        return [
            SensorReading(topic: "stcs.weather", timestamp: time, values: [
                ("irradiance", .int(Int32(irradiance.rounded()))),
                ("outside_temp", .float(rounded(outside))),
                ("wind_speed", .float(rounded(windSpeed))),
            ]),
            SensorReading(topic: "stcs.solar.collector", timestamp: time, values: [
                ("collector_temp_out", .float(rounded(collectorTemperature + random.noise(0.05)))),
                ("collector_temp_in", .float(rounded(collectorReturnTemperature + random.noise(0.05)))),
                ("pump_running", .boolean(solarPumpRunning)),
                ("energy_wh", .long(Int64(energyWattHours))),
                ("status", .string(status)),
            ]),
            SensorReading(topic: "stcs.storage", timestamp: time, values: [
                ("tank_temp_top", .float(rounded(tankTop))),
                ("tank_temp_middle", .float(rounded(tankMiddle))),
                ("tank_temp_bottom", .float(rounded(tankBottom))),
            ]),
            SensorReading(topic: "stcs.pumps", timestamp: time, values: [
                ("solar_pump", .boolean(solarPumpRunning)),
                ("heating_pump", .boolean(heatingPumpRunning)),
                ("mixing_valve_percent", .int(valve)),
            ]),
        ]
    }

    private func approach(_ value: Double, _ target: Double, elapsed: Double, timeConstant: Double) -> Double {
        value + (target - value) * (1 - exp(-elapsed / timeConstant))
    }

    private func clamp(_ value: Double, _ low: Double, _ high: Double) -> Double {
        min(max(value, low), high)
    }

    private func rounded(_ value: Double) -> Float {
        Float((value * 100).rounded() / 100)
    }
}
