import Foundation

/// A site's interlock settings for one irrigation group.
public struct InterlockPolicy: Sendable, Hashable {
    /// A reading older than this (or this far in the future) is not fresh.
    public var staleAfter: TimeInterval
    /// Inputs that must have a fresh reading before anything opens and while water flows.
    public var requiredInputs: Set<InterlockInput>
    /// Below this mix tank level (percent) a run aborts and none starts.
    public var tankMinimumPercent: Double
    /// Feed EC bounds, mS/cm.
    public var ecBounds: ClosedRange<Double>
    public var phBounds: ClosedRange<Double>
    public var concurrencyCap: ConcurrencyCap
    /// How long a condition must persist before it aborts a watering run (Priva-style alarm delays), for the reasons
    /// in `InterlockPolicy.delayable` only; starts are blocked at once regardless. Applied by
    /// `InterlockEvaluator.duringRun(_:in:alarms:)`.
    public var alarmDelays: [InterlockReason: TimeInterval]

    /// Reasons a delay may hold back: noisy process values. Safety loops, staleness, runtime and the cap act at once.
    public static let delayable: Set<InterlockReason> = [.tankLow, .ecOutOfBounds, .phOutOfBounds]

    public init(
        staleAfter: TimeInterval = 60,
        requiredInputs: Set<InterlockInput> = Set(InterlockInput.allCases),
        tankMinimumPercent: Double = 15,
        ecBounds: ClosedRange<Double> = 0.5...3.5,
        phBounds: ClosedRange<Double> = 5.2...6.8,
        concurrencyCap: ConcurrencyCap = .int150VA,
        alarmDelays: [InterlockReason: TimeInterval] = [:]
    ) {
        self.staleAfter = staleAfter
        self.requiredInputs = requiredInputs
        self.tankMinimumPercent = tankMinimumPercent
        self.ecBounds = ecBounds
        self.phBounds = phBounds
        self.concurrencyCap = concurrencyCap
        self.alarmDelays = alarmDelays
    }

    /// Staleness 1 s ... 1 h; tank minimum 0-100 %; EC within 0-20 mS/cm; pH within 0-14; the cap as `ConcurrencyCap`;
    /// alarm delays 0-600 s and only for `delayable` reasons.
    public func validate() throws {
        guard self.staleAfter.isFinite, (1...3_600).contains(self.staleAfter) else {
            throw DomainError.invalid("policy.stale_after", "must be 1 to 3600 seconds (got \(self.staleAfter))")
        }
        guard self.tankMinimumPercent.isFinite, (0...100).contains(self.tankMinimumPercent) else {
            throw DomainError.invalid("policy.tank_minimum_percent", "must be 0 to 100")
        }
        guard self.ecBounds.lowerBound >= 0, self.ecBounds.upperBound <= 20 else {
            throw DomainError.invalid("policy.ec_bounds", "must lie within 0 to 20 mS/cm")
        }
        guard self.phBounds.lowerBound >= 0, self.phBounds.upperBound <= 14 else {
            throw DomainError.invalid("policy.ph_bounds", "must lie within 0 to 14")
        }
        try self.concurrencyCap.validate()
        for (reason, delay) in self.alarmDelays.sorted(by: { $0.key < $1.key }) {
            let field = "policy.alarm_delays.\(reason.rawValue)"
            guard Self.delayable.contains(reason) else { throw DomainError.invalid(field, "acts at once: no delay") }
            guard delay.isFinite, (0...600).contains(delay) else {
                throw DomainError.invalid(field, "must be 0 to 600 seconds (got \(delay))")
            }
        }
    }
}
