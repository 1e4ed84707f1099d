/// Maps the simulation's clock onto the wall clock, pure: simulated time runs `speed` times as fast as real time
/// from a common start (1 = real time, for load tests; 60 = an hour a minute).
public struct SimClock: Sendable {
    public let simStart: SimInstant
    public let wallStart: ContinuousClock.Instant
    public let speed: Double

    public init(simStart: SimInstant, wallStart: ContinuousClock.Instant, speed: Double) {
        self.simStart = simStart
        self.wallStart = wallStart
        self.speed = speed
    }

    /// The simulated instant at wall instant `wall`.
    public func sim(at wall: ContinuousClock.Instant) -> SimInstant {
        let elapsed = Double((wall - self.wallStart).nanoseconds)
        return SimInstant(nanosecondsSinceEpoch: self.simStart.nanosecondsSinceEpoch + Int64(elapsed * self.speed))
    }

    /// The wall instant at which simulated instant `instant` is due.
    public func wall(at instant: SimInstant) -> ContinuousClock.Instant {
        let elapsed = Double((instant - self.simStart).nanoseconds) / self.speed
        return self.wallStart + .nanoseconds(Int64(elapsed))
    }
}
