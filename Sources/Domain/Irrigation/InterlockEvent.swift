import Foundation

/// One row of `interlock_events`: an interlock that blocked, queued, aborted or shut off, a lockout latched, or one
/// cleared by an operator. The same facts go to the audit log.
public struct InterlockEvent: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case blocked = "BLOCKED"
        case queued = "QUEUED"
        case aborted = "ABORTED"
        case shutOff = "SHUT_OFF"
        case latched = "LATCHED"
        case cleared = "CLEARED"
    }

    public var groupID: UUID
    public var runID: UUID?
    public var kind: Kind
    public var reason: InterlockReason
    public var at: Date
    /// Human-readable specifics, e.g. "tank level 12.0 % is below 15.0 %".
    public var detail: String
    /// The operator, for `cleared`.
    public var actorID: UUID?

    public init(
        groupID: UUID,
        runID: UUID?,
        kind: Kind,
        reason: InterlockReason,
        at: Date,
        detail: String,
        actorID: UUID? = nil
    ) {
        self.groupID = groupID
        self.runID = runID
        self.kind = kind
        self.reason = reason
        self.at = at
        self.detail = detail
        self.actorID = actorID
    }
}

extension InterlockEvaluator {
    /// The events a start decision records: one per reason, the reported one first.
    public func events(
        for decision: StartDecision,
        group groupID: UUID,
        run runID: UUID?,
        in snapshot: InterlockSnapshot
    ) -> [InterlockEvent] {
        guard case .blocked(let reasons) = decision else { return [] }
        let kind: InterlockEvent.Kind = decision.shouldQueue ? .queued : .blocked
        return reasons.map { self.event(kind, $0, group: groupID, run: runID, in: snapshot) }
    }

    /// The events a decision during a run records: the stop (abort or shut-off) per reason, then each new lockout.
    public func events(
        for decision: RunDecision,
        group groupID: UUID,
        run runID: UUID,
        in snapshot: InterlockSnapshot
    ) -> [InterlockEvent] {
        let (kind, reasons, latch): (InterlockEvent.Kind, [InterlockReason], [Lockout])
        switch decision {
        case .continue: return []
        case .abort(let r, _, let l): (kind, reasons, latch) = (.aborted, r, l)
        case .shutOff(let r, _, let l): (kind, reasons, latch) = (.shutOff, r, l)
        }
        let stops = reasons.map { self.event(kind, $0, group: groupID, run: runID, in: snapshot) }
        let latched = latch.map {
            InterlockEvent(
                groupID: groupID,
                runID: runID,
                kind: .latched,
                reason: $0.reason,
                at: $0.since,
                detail: "\($0.reason.rawValue) latched: \($0.reason.recovery.rawValue) needed"
            )
        }
        return stops + latched
    }

    /// One event of `kind` for `reason`, at the snapshot's instant, explained.
    private func event(
        _ kind: InterlockEvent.Kind,
        _ reason: InterlockReason,
        group groupID: UUID,
        run runID: UUID?,
        in snapshot: InterlockSnapshot
    ) -> InterlockEvent {
        InterlockEvent(
            groupID: groupID,
            runID: runID,
            kind: kind,
            reason: reason,
            at: snapshot.now,
            detail: self.explain(reason, in: snapshot)
        )
    }

    /// Why `reason` applies in `snapshot`, with the values involved.
    public func explain(_ reason: InterlockReason, in snapshot: InterlockSnapshot) -> String {
        let latched = snapshot.lockouts.contains { $0.reason == reason }
        func number(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "none" }
        switch reason {
        case .eStopOpen:
            return snapshot.eStop?.value == .open ? "E-STOP loop open" : "E-STOP fault latched, awaiting re-arm"
        case .doorOpen:
            return snapshot.door?.value == .open ? "door open" : "door fault latched, awaiting re-arm"
        case .staleReading:
            let inputs = self.staleInputs(in: snapshot).map(\.rawValue).joined(separator: ", ")
            return "no reading within \(Int(self.policy.staleAfter)) s for \(inputs)"
        case .tankLow:
            return
                "tank level \(number(snapshot.tankLevel?.value)) % is below \(number(self.policy.tankMinimumPercent)) %"
        case .ecOutOfBounds:
            let bounds = "\(number(self.policy.ecBounds.lowerBound))...\(number(self.policy.ecBounds.upperBound))"
            return latched && self.policy.ecBounds.contains(snapshot.ec?.value ?? .nan)
                ? "EC hold awaiting review" : "EC \(number(snapshot.ec?.value)) mS/cm outside \(bounds)"
        case .phOutOfBounds:
            let bounds = "\(number(self.policy.phBounds.lowerBound))...\(number(self.policy.phBounds.upperBound))"
            return latched && self.policy.phBounds.contains(snapshot.ph?.value ?? .nan)
                ? "pH hold awaiting review" : "pH \(number(snapshot.ph?.value)) outside \(bounds)"
        case .maxRuntimeExceeded:
            return "the run reached its maximum runtime"
        case .co2ExhaustLockout:
            return "CO2 exhaust lockout active"
        case .concurrencyCap:
            let cap = self.policy.concurrencyCap
            return "would exceed \(cap.heavyLoad) HL + \(cap.standard) STD open valves"
        }
    }
}

extension LockoutClearance {
    /// The `cleared` event for the log.
    public func event(group groupID: UUID) -> InterlockEvent {
        InterlockEvent(
            groupID: groupID,
            runID: self.lockout.runID,
            kind: .cleared,
            reason: self.lockout.reason,
            at: self.clearedAt,
            detail: String(self.note.prefix(500)),
            actorID: self.clearedBy
        )
    }
}
