import Foundation

/// A latched fault (E-STOP, door) or a hold awaiting review (EC/pH): it blocks every start in its scope until an
/// operator clears it. Clearing only removes the lockout; it never reopens a valve or resumes a run.
public struct Lockout: Sendable, Hashable {
    public var reason: InterlockReason
    public var since: Date
    /// The run that tripped it, if one was watering.
    public var runID: UUID?

    public init(reason: InterlockReason, since: Date, runID: UUID? = nil) {
        self.reason = reason
        self.since = since
        self.runID = runID
    }

    /// Whether tripping `reason` leaves a lockout behind (recovery needs an operator).
    public static func latches(_ reason: InterlockReason) -> Bool {
        reason.recovery == .manualRearm || reason.recovery == .operatorReview
    }
}

/// Who cleared a lockout, when and why: written to the audit log.
public struct LockoutClearance: Sendable, Hashable {
    public var lockout: Lockout
    public var clearedBy: UUID
    public var clearedAt: Date
    public var note: String

    public init(lockout: Lockout, clearedBy: UUID, clearedAt: Date, note: String) {
        self.lockout = lockout
        self.clearedBy = clearedBy
        self.clearedAt = clearedAt
        self.note = note
    }
}

extension Array where Element == Lockout {
    /// Clears the lockouts with `reason`. A latched E-STOP or door fault re-arms only while the loop reads closed
    /// (fresh, per `policy`); an EC/pH hold needs a review note. The authorization check (ABAC) is the caller's.
    public mutating func clear(
        _ reason: InterlockReason,
        by operatorID: UUID,
        note: String,
        snapshot: InterlockSnapshot,
        policy: InterlockPolicy
    ) throws -> [LockoutClearance] {
        let matching = self.filter { $0.reason == reason }
        guard !matching.isEmpty else {
            throw DomainError(
                code: .failedPrecondition,
                message: "no \(reason.rawValue) lockout to clear",
                reason: "LOCKOUT_NOT_FOUND",
                metadata: ["reason": reason.rawValue]
            )
        }
        try Validate.text(note, field: "note", maximum: 1_000)
        if reason.recovery == .manualRearm {
            let loop = reason == .eStopOpen ? snapshot.eStop : snapshot.door
            let input = reason == .eStopOpen ? "estop" : "door"
            guard let loop, loop.value == .closed, Freshness(policy: policy).isFresh(loop.at, now: snapshot.now) else {
                throw DomainError(
                    code: .failedPrecondition,
                    message: "cannot re-arm: the \(input) loop does not read closed now",
                    reason: "REARM_INPUT_NOT_CLOSED",
                    metadata: ["input": input]
                )
            }
        }
        self.removeAll { $0.reason == reason }
        return matching.map {
            LockoutClearance(lockout: $0, clearedBy: operatorID, clearedAt: snapshot.now, note: note)
        }
    }
}

/// Whether a reading is recent enough to trust.
struct Freshness {
    var policy: InterlockPolicy

    func isFresh(_ at: Date, now: Date) -> Bool {
        abs(now.timeIntervalSince(at)) <= self.policy.staleAfter
    }
}
