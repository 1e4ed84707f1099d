import Domain
import Foundation
import HarvestryApp
import Store
import Testing

/// Schedules fired by batch phase changes, against a real Postgres with a recording run engine. The changes are
/// recorded at the database's clock, so the rounds run at the wall clock (`Date()`); lateness is made by moving a
/// change back in time.
@Suite(.appDatabase, .timeLimit(.minutes(5)))
struct IrrigationPhaseSchedulerTests {
    typealias F = SchedulerFixture

    /// A batch entering flower in the group's room starts the flower schedule's program once, on behalf of the
    /// schedule's creator, audited as the scheduler's; the veg schedule and a batch in another room start nothing.
    @Test func aPhaseChangeStartsItsScheduleOnce() async throws {
        try await F.with { f in
            let flower = try await f.phaseSchedule("flower")
            _ = try await f.phaseSchedule("veg")
            let batch = try await f.batch(phase: "veg")
            let control = f.control()
            let scheduler = try f.phaseScheduler(control)
            #expect(await scheduler.tick(now: Date()).phaseStarted == 0)
            let change = try await f.change(batch, to: .flower)
            let round = await scheduler.tick(now: Date())
            #expect(round.phaseStarted == 1 && round.phaseSkipped == 0 && round.phaseFailed == 0)
            for _ in 0..<3 { #expect(await scheduler.tick(now: Date()).phaseStarted == 0) }
            let start = try #require(control.starts.first)
            #expect(control.starts.count == 1)
            #expect(start.programID == f.program.id && start.scope.userID == f.tenant.adminID)
            let schedule = flower.id.uuidString.lowercased()
            #expect(
                start.audit.requestID == "irrigation-scheduler:\(schedule):phase:\(change.id.uuidString.lowercased())"
            )
            #expect(start.audit.note?.contains("entered flower") == true)
            let fires = try await f.phaseFires(change)
            #expect(fires.map(\.outcome) == [.started(runID: start.runID)])
            #expect(fires.map(\.scheduleID) == [flower.id])
            #expect(scheduler.metrics.snapshot.phaseStarted == 1)

            // A batch in a room the group does not lie in.
            let otherRoom = try await PostgresSpatialRepository(client: f.service).createRoom(
                NewRoom(siteID: f.site, code: "FLW-2", name: "Flower 2", roomType: .flower),
                in: f.scope,
                audit: .none
            )
            let elsewhere = try await f.batch(phase: "veg", room: otherRoom.id)
            try await f.change(elsewhere, to: .flower)
            #expect(await scheduler.tick(now: Date()).phaseStarted == 0)
            #expect(control.starts.count == 1)
        }
    }

    /// Two instances racing every round over eight batches entering flower: each change starts the program once.
    @Test func twoSchedulersStartEachChangeOnce() async throws {
        try await F.with { f in
            let schedule = try await f.phaseSchedule("flower")
            let a = f.control()
            let b = f.control()
            let schedulers = [try f.phaseScheduler(a, instance: "a"), try f.phaseScheduler(b, instance: "b")]
            var changes: [BatchPhaseChange] = []
            for _ in 0..<8 {
                changes.append(try await f.change(try await f.batch(phase: "veg"), to: .flower))
                await withTaskGroup(of: Void.self) { group in
                    for scheduler in schedulers + schedulers {
                        group.addTask { _ = await scheduler.tick(now: Date()) }
                    }
                }
            }
            let starts = a.starts + b.starts
            #expect(starts.count == changes.count)
            let expected = Set(
                changes.map {
                    "irrigation-scheduler:\(schedule.id.uuidString.lowercased()):phase:\($0.id.uuidString.lowercased())"
                }
            )
            #expect(Set(starts.compactMap(\.audit.requestID)) == expected)
            for change in changes {
                #expect(try await f.phaseFires(change).count == 1)
            }
        }
    }

    /// After a restart: a change already fired is not fired again; one recorded while the scheduler was down is
    /// fired if it is at most the grace old, and recorded `skipped` (`late`) and never run if it is older.
    @Test func aRestartedSchedulerFiresNothingTwiceAndSkipsLateChanges() async throws {
        try await F.with { f in
            _ = try await f.phaseSchedule("flower")
            _ = try await f.phaseSchedule("harvest")
            // The schedules existed before the downtime (a change before a schedule's `fires_after` is not its).
            try await f.owner.query("UPDATE irrigation_schedules SET fires_after = now() - interval '1 hour'")
            let control = f.control()
            let batch = try await f.batch(phase: "veg")
            let fired = try await f.change(batch, to: .flower)
            #expect(await (try f.phaseScheduler(control, instance: "before")).tick(now: Date()).phaseStarted == 1)

            // Down for a while: the harvest change of a second batch is 5 minutes old, of a third 20 minutes.
            let recent = try await f.change(try await f.batch(phase: "flower"), to: .harvest)
            try await f.age(recent, by: 300)
            let late = try await f.change(try await f.batch(phase: "flower"), to: .harvest)
            try await f.age(late, by: 1_200)
            let restarted = try f.phaseScheduler(control, instance: "after")
            let round = await restarted.tick(now: Date())
            #expect(round.phaseStarted == 1 && round.phaseSkipped == 1)
            #expect(control.starts.count == 2)
            #expect(try await f.phaseFires(fired).map(\.instance) == ["before"])
            #expect(
                try await f.phaseFires(recent).map(\.outcome).first.map {
                    if case .started = $0 { true } else { false }
                } == true
            )
            #expect(try await f.phaseFires(late).map(\.outcome) == [.skipped(.late)])
            let again = await restarted.tick(now: Date())
            #expect(again.phaseStarted == 0 && again.phaseSkipped == 0)
            #expect(control.starts.count == 2)
        }
    }

    /// A batch that moved on before the scheduler saw its change: the earlier phase's program does not run.
    @Test func aSupersededChangeIsSkipped() async throws {
        try await F.with { f in
            _ = try await f.phaseSchedule("flower")
            let batch = try await f.batch(phase: "veg")
            let flower = try await f.change(batch, to: .flower)
            try await f.change(batch, to: .closed)
            let control = f.control()
            let round = await (try f.phaseScheduler(control)).tick(now: Date())
            #expect(round.phaseSkipped == 1 && round.phaseStarted == 0)
            #expect(control.starts.isEmpty)
            #expect(try await f.phaseFires(flower).map(\.outcome) == [.skipped(.superseded)])
        }
    }

    /// A failing StartRun is recorded `failed` with the error and not retried.
    @Test func aFailedStartIsRecordedNotRetried() async throws {
        try await F.with { f in
            _ = try await f.phaseSchedule("flower")
            let change = try await f.change(try await f.batch(phase: "veg"), to: .flower)
            let control = f.control(failure: "engine down")
            let scheduler = try f.phaseScheduler(control)
            #expect(await scheduler.tick(now: Date()).phaseFailed == 1)
            #expect(await scheduler.tick(now: Date()).phaseFailed == 0)
            #expect(control.starts.count == 1)
            #expect(try await f.phaseFires(change).map(\.outcome) == [.failed(error: "engine down")])
        }
    }
}
