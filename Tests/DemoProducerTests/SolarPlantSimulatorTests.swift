import DemoData
import Testing

@Suite("Solar plant simulator")
struct SolarPlantSimulatorTests {
    /// Two simulated days of 600 s each, one reading per second, starting at midnight.
    static func run(seed: UInt64 = 7, days: Int = 2) -> [[SensorReading]] {
        var plant = SolarPlantSimulator(cycle: DayCycle(dayLength: 600), seed: seed)
        let midnight = 1_800_000_000.0 - 1_800_000_000.0.truncatingRemainder(dividingBy: 600)
        return (0..<(600 * days)).map { plant.readings(at: midnight + Double($0)) }
    }

    static func number(_ reading: SensorReading, _ name: String) -> Double {
        reading[name]?.numericValue ?? .nan
    }

    @Test("every tick reads each stcs topic once, stamped with the tick's time")
    func topicsAndTimestamps() {
        var plant = SolarPlantSimulator(cycle: DayCycle(dayLength: 600), seed: 1)
        let readings = plant.readings(at: 1_700_000_123.5)
        #expect(readings.map(\.topic) == SolarPlantSimulator.topics)
        #expect(readings.allSatisfy { $0.topic.hasPrefix("stcs.") && $0.timestamp == 1_700_000_123.5 && !$0.values.isEmpty })
    }

    @Test("the sun shines by day only: no irradiance at night, over 800 W/m² around noon")
    func dayCycle() {
        let day = Self.run()[600...]  // the second day, after the plant warmed up
        let weather = day.map { $0[0] }
        for (second, reading) in zip(0..., weather) {
            let irradiance = Self.number(reading, "irradiance")
            if second < 140 || second > 460 { #expect(irradiance == 0, "night at \(second) s") }
            if (280...320).contains(second) { #expect(irradiance > 800, "noon at \(second) s") }
            #expect(irradiance <= 1000)
        }
    }

    @Test("values are smooth: one second apart they change by small steps")
    func smoothness() {
        let readings = Self.run()
        for (previous, next) in zip(readings, readings.dropFirst()) {
            #expect(abs(Self.number(next[0], "outside_temp") - Self.number(previous[0], "outside_temp")) < 0.6)
            #expect(abs(Self.number(next[0], "irradiance") - Self.number(previous[0], "irradiance")) < 60)
            #expect(abs(Self.number(next[1], "collector_temp_out") - Self.number(previous[1], "collector_temp_out")) < 8)
            #expect(abs(Self.number(next[2], "tank_temp_top") - Self.number(previous[2], "tank_temp_top")) < 0.5)
        }
    }

    @Test("temperatures stay plausible and the solar pump runs in the day, not at night")
    func plausibleRangesAndPump() {
        let day = Array(Self.run()[600...])
        for ticks in day {
            #expect((-10...40).contains(Self.number(ticks[0], "outside_temp")))
            #expect((-10...120).contains(Self.number(ticks[1], "collector_temp_out")))
            for name in ["tank_temp_top", "tank_temp_middle", "tank_temp_bottom"] {
                #expect((15...95).contains(Self.number(ticks[2], name)))
            }
            #expect(ticks[1]["pump_running"] == ticks[3]["solar_pump"])
        }
        let pumpSeconds = day.indices.filter { day[$0][3]["solar_pump"] == .boolean(true) }
        #expect(!pumpSeconds.isEmpty)
        #expect(pumpSeconds.allSatisfy { (120...520).contains($0) }, "pump ran at night: \(pumpSeconds.prefix(5))")
        let heating = day.map { $0[3]["heating_pump"] }
        #expect(heating.contains(.boolean(true)) && heating.contains(.boolean(false)))
    }

    @Test("the energy counter only grows, and grows while the pump runs")
    func energyCounter() {
        let energy = Self.run().map { Self.number($0[1], "energy_wh") }
        #expect(zip(energy, energy.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(energy.last! > energy[600])
    }

    @Test("the same seed gives the same data; another seed other noise")
    func determinism() {
        let first = Self.run(seed: 3, days: 1).map { $0.map { $0.values.map(\.value) } }
        let again = Self.run(seed: 3, days: 1).map { $0.map { $0.values.map(\.value) } }
        let other = Self.run(seed: 4, days: 1).map { $0.map { $0.values.map(\.value) } }
        #expect(first == again)
        #expect(first != other)
    }

    @Test("value types match the DataRecord union: floats, ints, longs, booleans, strings")
    func valueTypes() {
        var plant = SolarPlantSimulator(cycle: DayCycle(dayLength: 600), seed: 1)
        let readings = plant.readings(at: 1_700_000_000)
        #expect(readings[0]["irradiance"]?.unionBranch == 4)
        #expect(readings[0]["outside_temp"]?.unionBranch == 2)
        #expect(readings[1]["energy_wh"]?.unionBranch == 3)
        #expect(readings[1]["pump_running"]?.unionBranch == 5)
        #expect(readings[1]["status"]?.unionBranch == 0)
    }
}
