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

    /// The simulated instant at wall instant `wall` (saturating at the ends of a `SimInstant`).
    public func sim(at wall: ContinuousClock.Instant) -> SimInstant {
        let elapsed = Double((wall - self.wallStart).nanoseconds) * self.speed
        let (sum, overflow) = self.simStart.nanosecondsSinceEpoch.addingReportingOverflow(Self.clamped(elapsed))
        return SimInstant(nanosecondsSinceEpoch: overflow ? (elapsed < 0 ? .min : .max) : sum)
    }

    /// The wall instant at which simulated instant `instant` is due (at most about 146 years away: `.max`, "never",
    /// must not trap).
    public func wall(at instant: SimInstant) -> ContinuousClock.Instant {
        let (difference, overflow) = instant.nanosecondsSinceEpoch.subtractingReportingOverflow(
            self.simStart.nanosecondsSinceEpoch
        )
        let simulated = overflow ? (instant.nanosecondsSinceEpoch < 0 ? -9.2e18 : 9.2e18) : Double(difference)
        return self.wallStart + .nanoseconds(Self.clamped(simulated / self.speed))
    }

    /// `nanoseconds` as an Int64 within ±4.6e18 (about 146 years), so sums with a start cannot overflow.
    private static func clamped(_ nanoseconds: Double) -> Int64 {
        Int64(max(-4.6e18, min(4.6e18, nanoseconds.isNaN ? 0 : nanoseconds)))
    }
}
