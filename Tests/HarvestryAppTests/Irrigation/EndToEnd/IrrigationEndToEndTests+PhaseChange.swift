import Domain
import Foundation
import HarvestryApp
import Store
import Testing

extension IrrigationEndToEndTests {
    /// A batch of VEG-1 entering flower, recorded through the batch repository: two schedulers see the change, the
    /// VEG-1 line check (a `flower` phase schedule) starts once on the real engine and waters each valve in turn.
    @Test("a batch phase change starts its schedule's program once, which completes (scheduler, engine, dispatcher)")
    func phaseChangeStartsOneRunThatCompletes() async throws {
        let setup = F.veg
        let records = try await F.with { f in
            let owner = f.base.database.owner
            let schedule = try await f.irrigation.createSchedule(
                IrrigationSchedule(
                    programID: setup.programID,
                    trigger: .batchPhaseChange(toPhase: "flower"),
                    timeZoneIdentifier: "America/Denver"
                ),
                in: F.scope,
                audit: .none
            )
            // A batch of its own in VEG-1 (the seed's BD-V-001 is left as seeded).
            let tag = UInt32.random(in: 0...999_999)
            let batch: UUID = try await owner.query(
                """
                INSERT INTO batches (site_id, strain_id, room_id, code, phase, plant_count, started_at)
                VALUES ($1::uuid, $2::uuid, $3::uuid, $4, 'veg', 12, now()) RETURNING id
                """,
                [
                    SQLValue(PilotSeed.siteID), SQLValue(PilotSeed.id("strain/Blue Dream")),
                    SQLValue(PilotSeed.id("room/VEG-1")), SQLValue("E2E-\(tag)"),
                ]
            )[0].decode("id")
            let started = Date()
            let change = try await PostgresBatchRepository(client: f.base.service).changePhase(
                batch,
                to: .flower,
                expected: .veg,
                in: F.scope,
                audit: .none
            ).change
            let schedulers = try ["e2e-a", "e2e-b"].map { instance in
                try IrrigationScheduler(
                    repository: PostgresScheduleFireRepository(client: f.base.service),
                    phases: PostgresPhaseFireRepository(client: f.base.service),
                    runControl: f.engine,
                    configuration: .init(instance: instance),
                    logger: DispatchFixture.logger
                )
            }
            for scheduler in schedulers + schedulers { _ = await scheduler.tick(now: Date()) }
            let runs = try await owner.query(
                "SELECT id FROM irrigation_runs WHERE program_id = $1::uuid AND requested_at >= $2::timestamptz",
                [SQLValue(setup.programID), SQLValue(started.addingTimeInterval(-1))]
            )
            try #require(runs.count == 1, "\(runs.count) runs started")
            let runID: UUID = try runs[0].decode("id")
            let done = try await f.waitForRun(runID, timeout: .seconds(40)) { $0.status.isFinished }
            #expect(done.status == .completed, "the run is \(done.status), \(String(describing: done.abortCause))")
            let fires = try await owner.query(
                "SELECT outcome, run_id FROM irrigation_phase_fires WHERE phase_change_id = $1::uuid",
                [SQLValue(change.id)]
            )
            #expect(fires.count == 1)
            #expect(try fires.first?.decode("outcome", as: String.self) == "started")
            #expect(try fires.first?.decode("run_id", as: UUID?.self) == runID)
            try await owner.query(
                "UPDATE irrigation_schedules SET enabled = false WHERE id = $1::uuid",
                [SQLValue(schedule.id)]
            )
        }
        let switches = F.valveSwitches(records, setup).map { "\($0.0) \($0.1 ? "on" : "off")" }
        #expect(switches == ["VLV-001 on", "VLV-001 off", "VLV-002 on", "VLV-002 off"])
    }
}
