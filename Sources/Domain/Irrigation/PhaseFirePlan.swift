import Foundation

/// Which schedules a batch phase change fires, and whether each still runs (pure; docs/irrigation.md, "Batch phase
/// changes").
///
/// **Which groups:** a change concerns a schedule when the schedule is enabled, its phase is the change's new phase
/// (`IrrigationSchedule.fires(onPhaseChangeTo:)`, ignoring case), it existed in its current form before the change
/// (`changedAt > since`, i.e. `fires_after`), and its program's group **lies in the batch's room**: every zone of
/// the group is in the room the batch was in at the change. A group with a zone in another room is not concerned
/// (watering it would water plants whose phase did not change), nor is any group when the batch has no room.
///
/// **Late changes:** a change the scheduler sees more than `grace` after it was recorded (downtime, a restart) is
/// recorded `skipped` (`late`) and never runs; one whose batch has changed phase again since is `skipped`
/// (`superseded`), however early. Everything else fires once.
public enum PhaseFirePlan {
    public enum Decision: Sendable, Hashable {
        case fire
        case skip(PhaseFire.SkipReason)
    }

    public struct Item: Sendable, Hashable {
        public var change: PendingPhaseChange
        public var schedule: PhaseSchedule
        public var decision: Decision

        public var key: PhaseFireKey {
            PhaseFireKey(phaseChangeID: self.change.change.id, scheduleID: self.schedule.program.schedule.id)
        }

        public init(change: PendingPhaseChange, schedule: PhaseSchedule, decision: Decision) {
            self.change = change
            self.schedule = schedule
            self.decision = decision
        }
    }

    /// Whether `change` concerns `schedule` (above).
    public static func concerns(_ schedule: PhaseSchedule, _ change: BatchPhaseChange) -> Bool {
        guard schedule.program.schedule.fires(onPhaseChangeTo: change.to.rawValue),
            change.changedAt > schedule.program.since,
            let room = change.roomID
        else { return false }
        return schedule.groupRoomIDs == [room]
    }

    /// Fire, or skip with the reason, for a change seen at `now`.
    public static func decide(_ change: PendingPhaseChange, now: Date, grace: TimeInterval) -> Decision {
        if change.superseded { return .skip(.superseded) }
        if now.timeIntervalSince(change.change.changedAt) > grace { return .skip(.late) }
        return .fire
    }

    /// Every undecided (change, schedule) pair the changes concern, oldest change first, then by schedule id.
    public static func make(_ work: PhaseWork, now: Date, grace: TimeInterval) -> [Item] {
        let schedules = work.schedules.sorted { $0.program.schedule.id.uuidString < $1.program.schedule.id.uuidString }
        return work.changes.flatMap { pending in
            schedules.compactMap { schedule -> Item? in
                let key = PhaseFireKey(phaseChangeID: pending.change.id, scheduleID: schedule.program.schedule.id)
                guard !work.decided.contains(key), Self.concerns(schedule, pending.change) else { return nil }
                return Item(change: pending, schedule: schedule, decision: Self.decide(pending, now: now, grace: grace))
            }
        }
    }
}
