import Foundation

/// One decided fire of a time-of-day schedule, as the scheduler stores it (`irrigation_schedule_fires`): the row's
/// primary key `(scheduleID, fireAt)` is what makes a fire happen once across instances and restarts.
public struct ScheduleFire: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Taken by an instance that is calling StartRun (left so if that instance stopped in between).
        case claimed
        /// StartRun returned this run.
        case started(runID: UUID)
        /// StartRun (or the fire's preconditions) failed; not retried.
        case failed(error: String)
        /// Missed by more than the grace period: recorded, never run late.
        case skipped

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

    public var scheduleID: UUID
    public var siteID: UUID
    public var fireAt: Date
    public var outcome: Outcome
    /// The instance that decided the fire, and its clock when it did.
    public var instance: String
    public var decidedAt: Date

    public init(scheduleID: UUID, siteID: UUID, fireAt: Date, outcome: Outcome, instance: String, decidedAt: Date) {
        self.scheduleID = scheduleID
        self.siteID = siteID
        self.fireAt = fireAt
        self.outcome = outcome
        self.instance = instance
        self.decidedAt = decidedAt
    }
}
