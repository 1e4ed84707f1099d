import Domain
import Foundation
import HarvestryApp
import Store

/// Batches and phase schedules on the scheduler fixture's site.
extension SchedulerFixture {
    var batches: PostgresBatchRepository { PostgresBatchRepository(client: self.service) }

    /// The room the fixture's group lies in.
    func groupRoom() async throws -> UUID {
        try await self.owner.query(
            """
            SELECT DISTINCT z.room_id FROM zones z JOIN irrigation_group_valves v ON v.zone_id = z.id
            JOIN irrigation_programs p ON p.group_id = v.group_id WHERE p.id = $1::uuid
            """,
            [SQLValue(self.program.id)]
        )[0].decode("room_id")
    }

    /// A batch in `room` (the group's when nil) in `phase` (inserted as the owner: batches have no create API).
    func batch(phase: String = "veg", room: UUID? = nil) async throws -> UUID {
        let room = if let room { room } else { try await self.groupRoom() }
        let tag = UInt32.random(in: 0...999_999)
        let strain = try await self.owner.query(
            "INSERT INTO strains (site_id, name, strain_type) VALUES ($1::uuid, $2, 'indica') RETURNING id",
            [SQLValue(self.site), SQLValue("Strain \(tag)")]
        )[0].decode("id", as: UUID.self)
        return try await self.owner.query(
            """
            INSERT INTO batches (site_id, strain_id, room_id, code, phase, plant_count, started_at)
            VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, 24, now()) RETURNING id
            """,
            [SQLValue(self.site), SQLValue(strain), SQLValue(room), SQLValue("B-\(tag)"), SQLValue(phase)]
        )[0].decode("id", as: UUID.self)
    }

    /// A schedule on the fixture's program fired when a batch enters `phase`.
    func phaseSchedule(_ phase: String) async throws -> IrrigationSchedule {
        try await self.irrigation.createSchedule(
            IrrigationSchedule(
                programID: self.program.id,
                trigger: .batchPhaseChange(toPhase: phase),
                timeZoneIdentifier: "UTC"
            ),
            in: self.scope,
            audit: .none
        )
    }

    @discardableResult
    func change(_ batch: UUID, to phase: BatchPhase) async throws -> BatchPhaseChange {
        try await self.batches.changePhase(batch, to: phase, expected: nil, in: self.scope, audit: .none).change
    }

    /// Moves a recorded change back in time, as if the scheduler had been down since.
    func age(_ change: BatchPhaseChange, by seconds: TimeInterval) async throws {
        try await self.owner.query(
            "UPDATE batch_phase_changes SET changed_at = changed_at - $2::double precision * interval '1 second' WHERE id = $1::uuid",
            [SQLValue(change.id), SQLValue(seconds)]
        )
    }

    func phaseScheduler(
        _ control: StartRecordingRunControl,
        instance: String = "test-a",
        grace: Duration = .seconds(600)
    ) throws -> IrrigationScheduler {
        try IrrigationScheduler(
            repository: PostgresScheduleFireRepository(client: self.service),
            phases: PostgresPhaseFireRepository(client: self.service),
            runControl: control,
            configuration: .init(grace: grace, pollInterval: .seconds(30), instance: instance),
            logger: TestDirectory.logger
        )
    }

    func phaseFires(_ change: BatchPhaseChange) async throws -> [PhaseFire] {
        try await PostgresPhaseFireRepository(client: self.service).phaseFires(phaseChangeID: change.id, in: self.scope)
    }
}
