import Foundation

/// What the scheduler does with a schedule's fires at `now`: the pure missed-fire policy.
///
/// The fires considered are those strictly after `since` (the schedule's last decided fire, or the instant it was
/// created, enabled or changed) up to and including `now`. The latest of them runs when it is at most `grace` old;
/// every other one is skipped (recorded, never run late), so a restart after downtime starts a program at most once
/// and only for a fire that was just missed. At most `maximumSkips` skips are returned (the latest); older missed
/// fires are left unrecorded.
public struct ScheduleFirePlan: Sendable, Hashable {
    /// The fire to run now, if any.
    public var run: Date?
    /// Missed fires to record as skipped, oldest first.
    public var skip: [Date]
    /// The first fire after `now` (when to look again); nil for a schedule that never fires by the clock.
    public var next: Date?

    public init(run: Date?, skip: [Date], next: Date?) {
        self.run = run
        self.skip = skip
        self.next = next
    }

    /// The plan for `schedule` at `now`. `grace` must be 0 or more.
    public static func make(
        for schedule: IrrigationSchedule,
        since: Date,
        now: Date,
        grace: TimeInterval,
        maximumSkips: Int = 100
    ) throws -> ScheduleFirePlan {
        var due: [Date] = []
        var dueCount = 0
        var cursor = since
        // Bounded: a year of daily fires is 366 rounds; beyond `walkLimit` the latest ones are what matter, so the
        // walk restarts from a window before `now` (fires older than that are skipped without a record).
        let walkLimit = 10_000
        if let first = try schedule.nextFire(after: since), now.timeIntervalSince(first) > Self.windowSeconds {
            cursor = max(since, now.addingTimeInterval(-Self.windowSeconds))
        }
        while let fire = try schedule.nextFire(after: cursor), fire <= now, dueCount < walkLimit {
            due.append(fire)
            if due.count > maximumSkips + 1 { due.removeFirst() }
            dueCount += 1
            cursor = fire
        }
        let next = try schedule.nextFire(after: max(cursor, now))
        guard let latest = due.last else { return ScheduleFirePlan(run: nil, skip: [], next: next) }
        if now.timeIntervalSince(latest) <= grace {
            return ScheduleFirePlan(run: latest, skip: Array(due.dropLast().suffix(maximumSkips)), next: next)
        }
        return ScheduleFirePlan(run: nil, skip: Array(due.suffix(maximumSkips)), next: next)
    }

    /// How far back a long-missed schedule is walked: 400 days.
    static let windowSeconds: TimeInterval = 400 * 86_400
}
