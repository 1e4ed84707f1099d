import Bus
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

/// Found in review: an inverter-only site is never due (`nextDue` is `.max`), and a slow long run put the wall
/// instant of its end beyond Int64 nanoseconds; both trapped.
@Suite struct SimClockLimitsTests {
    let clock = SimClock(
        simStart: SimInstant(nanosecondsSinceEpoch: 1_700_000_000_000_000_000),
        wallStart: .now,
        speed: 0.001
    )

    @Test func theWallInstantOfNeverIsFarAwayInsteadOfATrap() {
        let never = self.clock.wall(at: SimInstant(nanosecondsSinceEpoch: .max))
        #expect(never - self.clock.wallStart > .seconds(100 * 365 * 86_400))
        let past = self.clock.wall(at: SimInstant(nanosecondsSinceEpoch: .min))
        #expect(past < self.clock.wallStart)
    }

    @Test func theSimulatedInstantSaturates() {
        let fast = SimClock(simStart: SimInstant(nanosecondsSinceEpoch: .max - 10), wallStart: .now, speed: 1_000_000)
        #expect(fast.sim(at: fast.wallStart + .seconds(3600)).nanosecondsSinceEpoch == .max)
    }

    @Test(arguments: [
        (Int64(1_700_000_000), Duration.seconds(101 * 366 * 86_400), 1.0, "duration"),  // over 100 years
        (Int64(9_000_000_000), Duration.seconds(99 * 366 * 86_400), 1.0, "duration"),  // ends after 2262
        (Int64(1_700_000_000), Duration.seconds(200 * 86_400), 0.001, "speed"),  // 550 years of real time
    ])
    func runsPastTheClocksLimitsAreRefusedNamingTheField(
        startSeconds: Int64,
        duration: Duration,
        speed: Double,
        field: String
    ) throws {
        let configuration = RuntimeConfiguration(
            broker: try MQTTEndpoint(url: "mqtt://127.0.0.1:1883"),
            speed: speed,
            start: SimInstant(nanosecondsSinceEpoch: startSeconds * 1_000_000_000),
            duration: duration,
            spoolDirectory: "/tmp/unused"
        )
        #expect(throws: SpecError.self) { try configuration.validate() }
        do {
            try configuration.validate()
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }
}
