import Foundation

/// One decided fire of a `batchPhaseChange` schedule for one recorded phase change (`irrigation_phase_fires`,
/// migration 0014): the primary key `(phaseChangeID, scheduleID)` makes it happen once across instances and restarts.
public struct PhaseFire: Sendable, Hashable {
    /// Why a phase fire was recorded without running its program.
    public enum SkipReason: String, Sendable, Hashable {
        /// The scheduler saw the change more than the grace period after it was recorded (e.g. after a restart).
        case late
        /// The batch changed phase again before the scheduler saw this change: it is no longer in this phase.
        case superseded
    }

    public enum Outcome: Sendable, Hashable {
        case claimed
        case started(runID: UUID)
        case failed(error: String)
        case skipped(SkipReason)

        /// The stored spelling: `claimed`, `started`, `failed`, `skipped`.
        public var name: String {
            switch self {
            case .claimed: "claimed"
            case .started: "started"
            case .failed: "failed"
            case .skipped: "skipped"
            }
        }
    }

    public var phaseChangeID: UUID
    public var scheduleID: UUID
    public var siteID: UUID
    public var outcome: Outcome
    public var instance: String
    public var decidedAt: Date

    public init(
        phaseChangeID: UUID,
        scheduleID: UUID,
        siteID: UUID,
        outcome: Outcome,
        instance: String,
        decidedAt: Date
    ) {
        self.phaseChangeID = phaseChangeID
        self.scheduleID = scheduleID
        self.siteID = siteID
        self.outcome = outcome
        self.instance = instance
        self.decidedAt = decidedAt
    }
}

/// A (phase change, schedule) pair: the key of a phase fire.
public struct PhaseFireKey: Sendable, Hashable {
    public var phaseChangeID: UUID
    public var scheduleID: UUID

    public init(phaseChangeID: UUID, scheduleID: UUID) {
        self.phaseChangeID = phaseChangeID
        self.scheduleID = scheduleID
    }
}
