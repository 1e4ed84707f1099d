import Foundation

/// The FRP-06 interlock table as a pure function of an `InterlockSnapshot`: before anything opens (`mayStart`) and
/// continuously while a run waters (`duringRun`).
///
/// Unsafe values act whatever their age (an E-STOP last seen open counts as open); a value that would allow water
/// must be fresh, so a required input without a fresh reading is `STALE_READING`.
public struct InterlockEvaluator: Sendable {
    public var policy: InterlockPolicy

    public init(policy: InterlockPolicy) {
        self.policy = policy
    }

    /// Whether the valves of a run's step may open now. Nothing here latches: an input open before anything waters
    /// only blocks.
    public func mayStart(_ request: StartRequest, in snapshot: InterlockSnapshot) -> StartDecision {
        var reasons = self.conditions(in: snapshot)
        if let startedAt = request.runStartedAt, let maxRuntime = request.maxRuntime,
            snapshot.now.timeIntervalSince(startedAt) >= maxRuntime
        {
            reasons.insert(.maxRuntimeExceeded)
        }
        if !self.policy.concurrencyCap.admits(request.valves, alongside: snapshot.openValves) {
            reasons.insert(.concurrencyCap)
        }
        return reasons.isEmpty ? .allowed : .blocked(Self.ranked(reasons))
    }

    /// What to do with a run that is watering: go on, abort it, or shut everything off and latch. Alarm delays are
    /// not applied here (there is no state to time them); `duringRun(_:in:alarms:)` applies them.
    public func duringRun(_ run: RunWatch, in snapshot: InterlockSnapshot) -> RunDecision {
        self.decide(run, reasons: self.conditions(in: snapshot), in: snapshot)
    }

    func decide(
        _ run: RunWatch,
        reasons conditions: Set<InterlockReason>,
        in snapshot: InterlockSnapshot
    ) -> RunDecision {
        var reasons = conditions.filter { $0.effect >= .abortRun }
        if snapshot.now.timeIntervalSince(run.startedAt) >= run.maxRuntime {
            reasons.insert(.maxRuntimeExceeded)
        }
        if !self.policy.concurrencyCap.excess(snapshot.openValves).isDisjoint(with: run.zones) {
            reasons.insert(.concurrencyCap)
        }
        guard !reasons.isEmpty else { return .continue }
        let ranked = Self.ranked(reasons)
        let latched = Set(snapshot.lockouts.map(\.reason))
        let newLockouts = ranked.filter { Lockout.latches($0) && !latched.contains($0) }
            .map { Lockout(reason: $0, since: snapshot.now, runID: run.runID) }
        if ranked[0].effect == .shutOffAndLatch {
            let everyOpen = Set(snapshot.openValves.map(\.zoneID)).union(run.zones)
            return .shutOff(reasons: ranked, closeZones: everyOpen, latch: newLockouts)
        }
        return .abort(reasons: ranked, closeZones: run.zones, latch: newLockouts)
    }

    /// The conditions present regardless of what is asked: inputs, readings, bounds and lockouts.
    func conditions(in snapshot: InterlockSnapshot, includingLockouts: Bool = true) -> Set<InterlockReason> {
        var reasons = includingLockouts ? Set(snapshot.lockouts.map(\.reason)) : []
        if snapshot.eStop?.value == .open { reasons.insert(.eStopOpen) }
        if snapshot.door?.value == .open { reasons.insert(.doorOpen) }
        if snapshot.co2ExhaustLockout?.value == true { reasons.insert(.co2ExhaustLockout) }
        if let level = snapshot.tankLevel?.value, !(level >= self.policy.tankMinimumPercent) {
            reasons.insert(.tankLow)
        }
        if let ec = snapshot.ec?.value, !self.policy.ecBounds.contains(ec) { reasons.insert(.ecOutOfBounds) }
        if let ph = snapshot.ph?.value, !self.policy.phBounds.contains(ph) { reasons.insert(.phOutOfBounds) }
        if !self.staleInputs(in: snapshot).isEmpty { reasons.insert(.staleReading) }
        return reasons
    }

    /// Required inputs with no reading, or none within `staleAfter` of now.
    public func staleInputs(in snapshot: InterlockSnapshot) -> [InterlockInput] {
        let freshness = Freshness(policy: self.policy)
        return InterlockInput.allCases.filter { input in
            guard self.policy.requiredInputs.contains(input) else { return false }
            guard let at = snapshot.measuredAt(input) else { return true }
            return !freshness.isFresh(at, now: snapshot.now)
        }
    }

    /// Most severe effect first, then the reasons' own order (E-STOP before door before stale ...).
    static func ranked(_ reasons: Set<InterlockReason>) -> [InterlockReason] {
        reasons.sorted { ($0.effect, $1) > ($1.effect, $0) }
    }
}

/// The valves a step wants to open, and the run's clock if it has begun.
public struct StartRequest: Sendable, Hashable {
    public var valves: [ZoneValve]
    public var runStartedAt: Date?
    public var maxRuntime: TimeInterval?

    public init(valves: [ZoneValve], runStartedAt: Date? = nil, maxRuntime: TimeInterval? = nil) {
        self.valves = valves
        self.runStartedAt = runStartedAt
        self.maxRuntime = maxRuntime
    }
}

/// A run that is watering, as the interlocks watch it.
public struct RunWatch: Sendable, Hashable {
    public var runID: UUID
    public var startedAt: Date
    public var maxRuntime: TimeInterval
    /// Every zone of the run (closing an already closed valve is harmless).
    public var zones: Set<UUID>

    public init(runID: UUID, startedAt: Date, maxRuntime: TimeInterval, zones: Set<UUID>) {
        self.runID = runID
        self.startedAt = startedAt
        self.maxRuntime = maxRuntime
        self.zones = zones
    }
}

/// The answer to "may this open?".
public enum StartDecision: Sendable, Hashable {
    case allowed
    /// Every reason that applies, the reported one (`blockReason`) first.
    case blocked([InterlockReason])

    public var blockReason: InterlockReason? {
        if case .blocked(let reasons) = self { reasons.first } else { nil }
    }

    /// A start blocked only by the cap waits in the admission queue rather than failing.
    public var shouldQueue: Bool { self.blockReason == .concurrencyCap }
}

/// The answer to "may this run go on?".
public enum RunDecision: Sendable, Hashable {
    case `continue`
    /// Close the run's valves; the run ends Aborted. `latch` holds the lockouts to record (EC/pH review holds).
    case abort(reasons: [InterlockReason], closeZones: Set<UUID>, latch: [Lockout])
    /// Every valve in scope OFF now and the fault latched.
    case shutOff(reasons: [InterlockReason], closeZones: Set<UUID>, latch: [Lockout])

    public var reason: InterlockReason? {
        switch self {
        case .continue: nil
        case .abort(let reasons, _, _), .shutOff(let reasons, _, _): reasons.first
        }
    }
}
