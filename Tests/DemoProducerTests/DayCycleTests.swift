import DemoData
import Testing

@Suite("Compressed day")
struct DayCycleTests {
    @Test("fraction of the day and sun elevation follow the compressed clock")
    func fractionAndSun() {
        let cycle = DayCycle(dayLength: 600)
        #expect(cycle.fraction(at: 1_200) == 0)
        #expect(cycle.fraction(at: 1_500) == 0.5)
        #expect(cycle.sunElevation(at: 1_500) == 1)
        #expect(cycle.sunElevation(at: 1_200) == 0)
        #expect(cycle.sunElevation(at: 1_200 + 150) == 0)
        #expect(abs(cycle.sunElevation(at: 1_200 + 225) - 0.7071) < 0.001)
    }

    @Test("a day length below one second is raised to one second")
    func minimumLength() {
        #expect(DayCycle(dayLength: 0).dayLength == 1)
        #expect(DayCycle(dayLength: -5).fraction(at: 10.25) == 0.25)
    }
}
