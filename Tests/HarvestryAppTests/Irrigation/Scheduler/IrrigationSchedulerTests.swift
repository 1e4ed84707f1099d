import Domain
import Foundation
import HarvestryApp
import Store
import Testing

/// The scheduler against a real Postgres, with a recording run engine and a clock the test sets.
@Suite(.appDatabase, .timeLimit(.minutes(5)))
struct IrrigationSchedulerTests {
    typealias F = SchedulerFixture

    /// Before its time nothing; at its time one start, on behalf of the schedule's creator, audited as the
    /// scheduler's; later rounds do not start it again.
    @Test func aScheduleFiresOnceAtItsTime() async throws {
        try await F.with { f in
            let schedule = try await f.schedule("06:00")
            let control = f.control()
            let scheduler = try f.scheduler(control)
            let fire = F.base.plus(hours: 6)
            #expect(await scheduler.tick(now: fire.plus(seconds: -1)).started == 0)
            #expect(control.starts.isEmpty)
            let round = await scheduler.tick(now: fire)
            #expect(round.started == 1)
            #expect(round.nextFire == fire.plus(days: 1))
            for offset in [1.0, 30, 299, 600] {
                #expect(await scheduler.tick(now: fire.plus(seconds: offset)).started == 0)
            }
            let start = try #require(control.starts.first)
            #expect(control.starts.count == 1)
            #expect(start.programID == f.program.id)
            #expect(start.scope.userID == f.tenant.adminID && start.scope.siteIDs == [f.site])
            #expect(start.scope.roles == ["admin", "manager"])
            let requestID =
                "irrigation-scheduler:\(schedule.id.uuidString.lowercased()):\(Int(fire.timeIntervalSince1970))"
            #expect(start.audit.requestID == requestID)
            #expect(start.audit.note?.hasPrefix("started by the irrigation scheduler") == true)

            let fires = try await f.fires(schedule)
            #expect(fires.map(\.fireAt) == [fire])
            #expect(fires.first?.outcome == .started(runID: start.runID))
            #expect(fires.first?.instance == "test-a")
            let audit = try await f.owner.query(
                """
                SELECT actor_user_id, details FROM audit_logs
                WHERE action = 'irrigation_schedule.fire' AND resource_id = $1
                """,
                [SQLValue(schedule.id.uuidString.lowercased())]
            )
            #expect(audit.count == 1)
            #expect(try audit.first?.decode("actor_user_id", as: UUID?.self) == nil)
            let details = try audit.first?.decode("details", as: String.self) ?? ""
            #expect(details.contains("\"actor\":\"irrigation-scheduler\""))
            #expect(details.contains("\"outcome\":\"started\""))
            #expect(details.contains(start.runID.uuidString.lowercased()))
        }
    }

    /// Two instances on one database, racing every round over 30 days of two schedules: each fire starts once.
    @Test func twoInstancesStartEachFireOnce() async throws {
        try await F.with { f in
            let morning = try await f.schedule("06:00")
            let evening = try await f.schedule("18:30")
            let a = f.control()
            let b = f.control()
            let schedulers = [try f.scheduler(a, instance: "a"), try f.scheduler(b, instance: "b")]
            var expected: [Date] = []
            for day in 0..<30 {
                for fire in [F.base.plus(days: Double(day), hours: 6), F.base.plus(days: Double(day), hours: 18.5)] {
                    expected.append(fire)
                    // Both instances, twice each, at the same moment.
                    await withTaskGroup(of: Void.self) { group in
                        for scheduler in schedulers + schedulers {
                            group.addTask { _ = await scheduler.tick(now: fire.plus(seconds: 2)) }
                        }
                    }
                }
            }
            let starts = a.starts + b.starts
            #expect(starts.count == expected.count)
            #expect(Set(starts.map(\.audit.requestID)).count == expected.count)
            #expect(!a.starts.isEmpty || !b.starts.isEmpty)
            let fires = try await f.fires(morning) + f.fires(evening)
            #expect(fires.count == expected.count)
            #expect(Set(fires.map(\.fireAt)) == Set(expected))
            #expect(fires.allSatisfy { if case .started = $0.outcome { true } else { false } })
        }
    }

    /// A new scheduler (a restarted server) after the fire was decided does not start it again.
    @Test func aRestartAfterTheFireDoesNotFireAgain() async throws {
        try await F.with { f in
            let schedule = try await f.schedule("06:00")
            let fire = F.base.plus(hours: 6)
            let before = f.control()
            #expect(try await f.scheduler(before, instance: "before").tick(now: fire.plus(seconds: 5)).started == 1)
            let after = f.control()
            let restarted = try f.scheduler(after, instance: "after")
            for offset in [10.0, 60, 540, 3_600] {
                let round = await restarted.tick(now: fire.plus(seconds: offset))
                #expect(round.started == 0 && round.skipped == 0)
            }
            #expect(after.starts.isEmpty)
            #expect(try await f.fires(schedule).count == 1)
            // The next day's fire is the restarted instance's.
            #expect(await restarted.tick(now: fire.plus(days: 1)).started == 1)

            // An instance that stopped between its claim and StartRun's answer leaves the fire `claimed`: nobody
            // starts it later (at most once), and it stays visible as such.
            let repository = PostgresScheduleFireRepository(client: f.service)
            let program = try #require(
                try await repository.dueSchedules(
                    at: SiteReference(siteID: f.site, organizationID: f.tenant.organizationID)
                )
                .first
            )
            #expect(
                try await repository.claim(
                    fire.plus(days: 2),
                    of: program,
                    instance: "crashed",
                    now: fire.plus(days: 2)
                )
            )
            for offset in [0.0, 60, 599] {
                #expect(await restarted.tick(now: fire.plus(days: 2, seconds: offset)).started == 0)
            }
            #expect(after.starts.count == 1)
            #expect(try await f.fires(schedule).first?.outcome == .claimed)
        }
    }

    /// Downtime: a fire missed by at most the grace runs once (late); one missed by more is recorded as skipped and
    /// never runs, and neither do older missed fires; the grace is configurable.
    @Test func missedFiresRunWithinTheGraceAndAreSkippedBeyondIt() async throws {
        try await F.with { f in
            let late = try await f.schedule("06:00")
            let control = f.control()
            let scheduler = try f.scheduler(control)
            #expect(await scheduler.tick(now: F.base.plus(hours: 6, minutes: 9)).started == 1)
            #expect(await scheduler.tick(now: F.base.plus(hours: 6, minutes: 9.5)).started == 0)
            #expect(try await f.fires(late).map(\.outcome) == [.started(runID: control.starts[0].runID)])

            // Down from before day 0's fire until day 2, 07:30: three fires missed, the latest by 30 min.
            try await f.disable(late)
            let missed = try await f.schedule("07:00")
            let skipping = f.control()
            let round = try await f.scheduler(skipping).tick(now: F.base.plus(days: 2, hours: 7, minutes: 30))
            #expect(round.started == 0 && round.skipped == 3)
            #expect(skipping.starts.isEmpty)
            let fires = try await f.fires(missed)
            #expect(fires.map(\.fireAt) == [2.0, 1, 0].map { F.base.plus(days: $0, hours: 7) })
            #expect(fires.allSatisfy { $0.outcome == .skipped })
            #expect(try await f.scheduler(skipping).tick(now: F.base.plus(days: 2, hours: 8)).skipped == 0)
            #expect(try await f.scheduler(skipping).tick(now: F.base.plus(days: 3, hours: 7)).started == 1)

            // With an hour's grace the same 30-minute miss runs, once; the older ones are skipped.
            try await f.disable(missed)
            let patient = try await f.schedule("08:00")
            let hour = f.control()
            let graceful = try f.scheduler(hour, grace: .seconds(3_600))
            let r = await graceful.tick(now: F.base.plus(days: 2, hours: 8, minutes: 30))
            #expect(r.started == 1)
            #expect(hour.starts.count == 1)
            let patientFires = try await f.fires(patient)
            #expect(patientFires.first?.fireAt == F.base.plus(days: 2, hours: 8))
            #expect(patientFires.dropFirst().map(\.outcome) == [.skipped, .skipped])
        }
    }

    /// Disabled schedules never fire, whether created disabled or disabled later; enabling one again does not make
    /// its past times look missed.
    @Test func disabledSchedulesNeverFire() async throws {
        try await F.with { f in
            let off = try await f.schedule("06:00", enabled: false)
            let later = try await f.schedule("07:00")
            try await f.owner.query(
                "UPDATE irrigation_schedules SET enabled = false WHERE id = $1::uuid",
                [SQLValue(later.id)]
            )
            let control = f.control()
            let scheduler = try f.scheduler(control)
            for minute in stride(from: 0.0, to: 3 * 24 * 60, by: 20) {
                _ = await scheduler.tick(now: F.base.plus(minutes: minute))
            }
            #expect(control.starts.isEmpty)
            #expect(try await f.fires(off).isEmpty)
            #expect(try await f.fires(later).isEmpty)
            // Enabled again (the database's clock, today): the fires of 2027 are then in the future, nothing past.
            try await f.owner.query(
                "UPDATE irrigation_schedules SET enabled = true WHERE id = $1::uuid",
                [SQLValue(later.id)]
            )
            let since = try await f.owner.query(
                "SELECT fires_after > now() - interval '1 hour' AS bumped FROM irrigation_schedules WHERE id = $1::uuid",
                [SQLValue(later.id)]
            )
            #expect(try since.first?.decode("bumped", as: Bool.self) == true)
        }
    }

    /// America/New_York: a 02:30 schedule on the spring-forward day fires once, at 03:30 EDT; a 01:30 schedule on
    /// the fall-back day fires once, at 01:30 EDT (its first occurrence). Rounds every 7 minutes over each day.
    @Test(arguments: [
        // 2027-03-14 00:00 EST = 05:00Z; the fire 03:30 EDT = 07:30Z.
        ("02:30", 1_805_000_400.0, 1_805_009_400.0),
        // 2027-11-07 00:00 EDT = 04:00Z; the fire 01:30 EDT = 05:30Z.
        ("01:30", 1_825_560_000.0, 1_825_565_400.0),
    ])
    func aDSTDayInNewYorkFiresOnce(time: String, dayStart: Double, expected: Double) async throws {
        try await F.with { f in
            let start = Date(timeIntervalSince1970: dayStart)
            let schedule = try await f.schedule(time, zone: "America/New_York", since: start)
            let control = f.control()
            let scheduler = try f.scheduler(control)
            for minute in stride(from: 0.0, through: 25 * 60, by: 7) {
                _ = await scheduler.tick(now: start.plus(minutes: minute))
            }
            #expect(control.starts.count == 1)
            let fires = try await f.fires(schedule)
            #expect(fires.map(\.fireAt) == [Date(timeIntervalSince1970: expected)])
        }
    }

    /// StartRun fails: the fire is recorded failed with the error, counted, and not retried; a schedule whose
    /// owner was disabled fails the same way without calling StartRun.
    @Test func aFailingStartRunIsRecorded() async throws {
        try await F.with { f in
            let schedule = try await f.schedule("06:00")
            let control = f.control(failure: "TANK_OFFLINE: the engine refused")
            let scheduler = try f.scheduler(control)
            let fire = F.base.plus(hours: 6)
            let round = await scheduler.tick(now: fire)
            #expect(round.failed == 1 && round.started == 0)
            #expect(scheduler.metrics.snapshot.failed == 1)
            for offset in [1.0, 60, 500] { _ = await scheduler.tick(now: fire.plus(seconds: offset)) }
            #expect(control.starts.count == 1)
            let fires = try await f.fires(schedule)
            #expect(fires.count == 1)
            guard case .failed(let error) = fires.first?.outcome else {
                Issue.record("fire outcome \(String(describing: fires.first?.outcome))")
                return
            }
            #expect(error.contains("TANK_OFFLINE"))

            try await f.owner.query(
                "UPDATE users SET status = 'disabled' WHERE id = $1::uuid",
                [SQLValue(f.tenant.adminID)]
            )
            let next = await scheduler.tick(now: fire.plus(days: 1))
            #expect(next.failed == 1)
            #expect(control.starts.count == 1)
            guard case .failed(let inactive) = try await f.fires(schedule).first?.outcome else {
                Issue.record("the second fire is not failed")
                return
            }
            #expect(inactive.hasPrefix("SCHEDULE_OWNER_INACTIVE"))
        }
    }

    /// An owner left with only roles that may not start runs (viewer): the fire is recorded failed, StartRun is not
    /// called, and the fire is not retried.
    @Test func anOwnerWithoutAStartRoleIsNotStarted() async throws {
        try await F.with { f in
            let schedule = try await f.schedule("06:00")
            try await f.owner.query("DELETE FROM user_roles WHERE user_id = $1::uuid", [SQLValue(f.tenant.adminID)])
            try await f.owner.query(
                """
                INSERT INTO user_roles (organization_id, user_id, role)
                SELECT organization_id, id, 'viewer' FROM users WHERE id = $1::uuid
                """,
                [SQLValue(f.tenant.adminID)]
            )
            let control = f.control()
            let scheduler = try f.scheduler(control)
            let fire = F.base.plus(hours: 6)
            let round = await scheduler.tick(now: fire)
            #expect(round.failed == 1 && round.started == 0)
            _ = await scheduler.tick(now: fire.plus(seconds: 60))
            #expect(control.starts.isEmpty)
            let fires = try await f.fires(schedule)
            #expect(fires.count == 1)
            guard case .failed(let error) = fires.first?.outcome else {
                Issue.record("fire outcome \(String(describing: fires.first?.outcome))")
                return
            }
            #expect(error.hasPrefix("SCHEDULE_OWNER_NOT_AUTHORIZED"))
        }
    }

    /// The loop: with the clock moved to the fire, the running service starts it (bounded wait), then stops.
    @Test func theLoopStartsAFireWhenTheClockReachesIt() async throws {
        try await F.with { f in
            _ = try await f.schedule("06:00")
            let control = f.control()
            let clock = ManualSchedulerClock(F.base.plus(hours: 5))
            let scheduler = try f.scheduler(control, clock: clock)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await scheduler.run() }
                // A few rounds before the fire: nothing.
                for minute in [10.0, 40, 59] {
                    clock.set(F.base.plus(hours: 5, minutes: minute))
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(control.starts.isEmpty)
                clock.set(F.base.plus(hours: 6, seconds: 1))
                for _ in 0..<400 where control.starts.isEmpty {
                    try await Task.sleep(for: .milliseconds(25))
                }
                #expect(control.starts.count == 1)
                group.cancelAll()
            }
        }
    }
}
