import Domain
import Foundation
import Testing

@Suite("Schedules: the missed-fire policy")
struct ScheduleFirePlanTests {
    /// 2027-01-04 00:00 UTC.
    static let base = Date(timeIntervalSince1970: 1_799_020_800)
    static let daily = IrrigationSchedule(
        programID: UUID(),
        trigger: .timeOfDay(TimeOfDay(hour: 6, minute: 0), days: Set(Weekday.allCases)),
        timeZoneIdentifier: "UTC"
    )

    func plan(
        now hours: Double,
        since: Date = Self.base,
        grace: TimeInterval = 600,
        skips: Int = 100
    ) throws
        -> ScheduleFirePlan
    {
        try ScheduleFirePlan.make(
            for: Self.daily,
            since: since,
            now: Self.base.addingTimeInterval(hours * 3_600),
            grace: grace,
            maximumSkips: skips
        )
    }

    func at(_ hours: Double) -> Date { Self.base.addingTimeInterval(hours * 3_600) }

    @Test func nothingIsDueBeforeTheFire() throws {
        #expect(try self.plan(now: 5.99) == ScheduleFirePlan(run: nil, skip: [], next: self.at(6)))
    }

    @Test func theFireRunsAtItsTimeAndUpToTheGrace() throws {
        #expect(try self.plan(now: 6) == ScheduleFirePlan(run: self.at(6), skip: [], next: self.at(30)))
        #expect(try self.plan(now: 6 + 10.0 / 60).run == self.at(6))
        #expect(try self.plan(now: 6 + 10.0 / 60, grace: 0).run == nil)
    }

    @Test func aFireMissedBeyondTheGraceIsSkipped() throws {
        #expect(try self.plan(now: 6.5) == ScheduleFirePlan(run: nil, skip: [self.at(6)], next: self.at(30)))
        #expect(try self.plan(now: 6.5, grace: 3_600).run == self.at(6))
    }

    @Test func onlyTheLatestMissedFireMayRunTheOlderAreSkipped() throws {
        let plan = try self.plan(now: 48 + 6 + 1.0 / 60)
        #expect(plan.run == self.at(54))
        #expect(plan.skip == [self.at(6), self.at(30)])
    }

    @Test func aFireAtOrBeforeSinceIsNotConsidered() throws {
        #expect(try self.plan(now: 6.1, since: self.at(6)) == ScheduleFirePlan(run: nil, skip: [], next: self.at(30)))
    }

    @Test func longDowntimeRecordsOnlyTheLatestSkips() throws {
        let plan = try self.plan(now: 24 * 900 + 12, skips: 5)
        #expect(plan.run == nil)
        #expect(plan.skip == (896...900).map { self.at(Double($0) * 24 + 6) })
        #expect(plan.next == self.at(901 * 24 + 6))
    }

    @Test func disabledAndPhaseSchedulesPlanNothing() throws {
        var off = Self.daily
        off.enabled = false
        let phase = IrrigationSchedule(
            programID: UUID(),
            trigger: .batchPhaseChange(toPhase: "flower"),
            timeZoneIdentifier: "UTC"
        )
        for schedule in [off, phase] {
            let plan = try ScheduleFirePlan.make(for: schedule, since: Self.base, now: self.at(100), grace: 600)
            #expect(plan == ScheduleFirePlan(run: nil, skip: [], next: nil))
        }
    }
}
