import Foundation

/// What the irrigation scheduler reads and writes for phase-change schedules. Like `ScheduleFireRepository` it asks
/// which sites have work, then reads and writes each site's rows under that site's scope only.
public protocol PhaseFireRepository: Sendable {
    /// The sites with an enabled phase schedule and a phase change recorded within `lookBack` of the database's now.
    func phaseChangeSites(lookBack: TimeInterval) async throws -> [SiteReference]
    /// The site's phase changes within `lookBack` that an enabled phase schedule of the same phase has not decided
    /// yet (oldest first, at most `limit`), the site's enabled phase schedules, and the pairs already decided.
    func phaseWork(at site: SiteReference, lookBack: TimeInterval, limit: Int) async throws -> PhaseWork
    /// Records the pair as skipped; false when any instance had decided it already.
    func recordSkipped(
        _ item: PhaseFirePlan.Item,
        reason: PhaseFire.SkipReason,
        instance: String,
        now: Date
    ) async throws -> Bool
    /// Claims the pair: true when this call decided it.
    func claim(_ item: PhaseFirePlan.Item, instance: String, now: Date) async throws -> Bool
    /// Finishes a claimed pair as `started` or `failed`, with the scheduler's audit row.
    func finish(_ item: PhaseFirePlan.Item, outcome: PhaseFire.Outcome, now: Date) async throws
    /// The fires decided for one phase change.
    func phaseFires(phaseChangeID: UUID, in scope: AccessScope) async throws -> [PhaseFire]
}

/// A phase change the scheduler has still to decide for some schedule.
public struct PendingPhaseChange: Sendable, Hashable {
    public var change: BatchPhaseChange
    public var batchCode: String
    /// The batch changed phase again after this change.
    public var superseded: Bool

    public init(change: BatchPhaseChange, batchCode: String, superseded: Bool) {
        self.change = change
        self.batchCode = batchCode
        self.superseded = superseded
    }
}

/// An enabled phase schedule with what decides whether a change concerns it: the rooms of its group's zones.
public struct PhaseSchedule: Sendable, Hashable {
    /// The schedule, its site and owner; `since` is `fires_after` (changes at or before it are not its business).
    public var program: ScheduledProgram
    /// The rooms the zones of the schedule's program's group lie in.
    public var groupRoomIDs: Set<UUID>

    public init(program: ScheduledProgram, groupRoomIDs: Set<UUID>) {
        self.program = program
        self.groupRoomIDs = groupRoomIDs
    }
}

/// One site's phase work for a round.
public struct PhaseWork: Sendable, Hashable {
    public var changes: [PendingPhaseChange]
    public var schedules: [PhaseSchedule]
    public var decided: Set<PhaseFireKey>

    public init(changes: [PendingPhaseChange], schedules: [PhaseSchedule], decided: Set<PhaseFireKey>) {
        self.changes = changes
        self.schedules = schedules
        self.decided = decided
    }
}
