import Simulator
import Testing

@Suite struct SimClockTests {
    @Test(arguments: [1.0, 10.0, 0.5])
    func mapsBothWays(speed: Double) {
        let wallStart = ContinuousClock.now
        let clock = SimClock(simStart: SimInstant(secondsSinceEpoch: 1_000), wallStart: wallStart, speed: speed)
        #expect(clock.sim(at: wallStart) == SimInstant(secondsSinceEpoch: 1_000))
        #expect(clock.sim(at: wallStart + .seconds(2)) == SimInstant(secondsSinceEpoch: 1_000) + .seconds(2) * speed)
        let due = SimInstant(secondsSinceEpoch: 1_060)
        #expect(clock.wall(at: due) - wallStart == .seconds(60) / speed)
    }
}
