import Foundation

/// Alarm-delay state kept between evaluations of one run: when each delayable condition was first seen in its
/// current stretch. A value the caller stores with the run.
public struct InterlockAlarms: Sendable, Hashable {
    public private(set) var firstSeen: [InterlockReason: Date] = [:]

    public init() {}

    /// Keeps the conditions that have lasted their delay (or have none), records new ones, and forgets those that
    /// are gone, so a condition that clears and returns starts its delay again.
    mutating func filter(
        _ reasons: Set<InterlockReason>,
        delays: [InterlockReason: TimeInterval],
        now: Date
    )
        -> Set<InterlockReason>
    {
        self.firstSeen = self.firstSeen.filter { reasons.contains($0.key) }
        return reasons.filter { reason in
            guard InterlockPolicy.delayable.contains(reason), let delay = delays[reason], delay > 0 else { return true }
            let since = self.firstSeen[reason] ?? now
            self.firstSeen[reason] = since
            return now.timeIntervalSince(since) >= delay
        }
    }
}

extension InterlockEvaluator {
    /// `duringRun(_:in:)` with the policy's alarm delays: a tank, EC or pH condition aborts the run only once it has
    /// lasted its delay. Everything else acts at once, a lockout included (it is not a reading).
    public func duringRun(
        _ run: RunWatch,
        in snapshot: InterlockSnapshot,
        alarms: inout InterlockAlarms
    )
        -> RunDecision
    {
        let latched = Set(snapshot.lockouts.map(\.reason))
        var live = self.conditions(in: snapshot, includingLockouts: false)
        live = alarms.filter(live, delays: self.policy.alarmDelays, now: snapshot.now)
        return self.decide(run, reasons: live.union(latched), in: snapshot)
    }
}
