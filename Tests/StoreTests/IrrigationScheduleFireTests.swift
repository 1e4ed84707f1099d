import Domain
import Foundation
import Store
import Testing

extension PostgresIntegrationTests {
    /// 2027-01-04 00:00 UTC.
    static let fireBase = Date(timeIntervalSince1970: 1_799_020_800)

    private func dailySchedule(_ f: IrrigationFixture, enabled: Bool = true) async throws -> IrrigationSchedule {
        try await f.irrigation.createSchedule(
            IrrigationSchedule(
                programID: f.program.id,
                trigger: .timeOfDay(TimeOfDay(hour: 6, minute: 0), days: Set(Weekday.allCases)),
                timeZoneIdentifier: "UTC",
                enabled: enabled
            ),
            in: f.scope,
            audit: .none
        )
    }

    /// A schedule records who set it and from when its fires count; enabling it again or changing its time moves
    /// that instant to now, anything else does not.
    @Test func irrigationScheduleRecordsItsOwnerAndFiresAfter() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let schedule = try await self.dailySchedule(f)
            let read = {
                try await db.owner.query(
                    """
                    SELECT created_by, fires_after, (fires_after > now() - interval '1 minute') AS recent
                    FROM irrigation_schedules WHERE id = $1::uuid
                    """,
                    [SQLValue(schedule.id)]
                )[0]
            }
            #expect(try await read().decode("created_by", as: UUID?.self) == f.tenant.adminID)
            #expect(try await read().decode("recent", as: Bool.self))
            let set = { (sql: String) in
                try await db.owner.query(sql + " WHERE id = $1::uuid", [SQLValue(schedule.id)])
            }
            try await set("UPDATE irrigation_schedules SET fires_after = '2020-01-01T00:00:00Z'")
            try await set("UPDATE irrigation_schedules SET phase = NULL")  // no change to the trigger
            #expect(try await read().decode("recent", as: Bool.self) == false)
            try await set("UPDATE irrigation_schedules SET minute_of_day = 420")
            #expect(try await read().decode("recent", as: Bool.self))
            try await set("UPDATE irrigation_schedules SET fires_after = '2020-01-01T00:00:00Z', enabled = false")
            try await set("UPDATE irrigation_schedules SET enabled = true")
            #expect(try await read().decode("recent", as: Bool.self))
        }
    }

    /// The scheduler's view: only sites with an enabled time-of-day schedule, each schedule with its owner; a fire
    /// is claimed by exactly one of many concurrent callers, finishes once, and is audited with no actor.
    @Test func irrigationScheduleFireIsClaimedOnce() async throws {
        try await withMigratedDatabase { db in
            let f = try await IrrigationFixture.make(in: db)
            let other = try await IrrigationFixture.make(in: db, tenant: f.tenant, site: 1)
            let schedule = try await self.dailySchedule(f)
            _ = try await self.dailySchedule(other, enabled: false)
            _ = try await other.irrigation.createSchedule(
                IrrigationSchedule(
                    programID: other.program.id,
                    trigger: .batchPhaseChange(toPhase: "flower"),
                    timeZoneIdentifier: "UTC"
                ),
                in: other.scope,
                audit: .none
            )
            let fires = PostgresScheduleFireRepository(client: db.service)
            let sites = try await fires.scheduledSites()
            #expect(sites == [SiteReference(siteID: f.site, organizationID: f.tenant.organizationID)])
            let due = try await fires.dueSchedules(at: sites[0])
            #expect(due.map(\.schedule) == [schedule])
            let program = try #require(due.first)
            #expect(program.owner == f.tenant.adminID && program.ownerActive && program.ownerRoles == ["admin"])
            #expect(program.ownerScope?.siteIDs == [f.site])

            let fire = Self.fireBase.addingTimeInterval(6 * 3_600)
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<24 {
                    group.addTask { try await fires.claim(fire, of: program, instance: "i\(n)", now: fire) }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(wins == 1)
            // Skipping a decided fire leaves it as it is.
            #expect(try await fires.recordSkipped([fire], of: program, instance: "late", now: fire).isEmpty)
            let run = UUID()
            try await fires.finish(fire, of: program, outcome: .started(runID: run), now: fire)
            let again = await #expect(throws: DomainError.self) {
                try await fires.finish(fire, of: program, outcome: .failed(error: "twice"), now: fire)
            }
            #expect(again?.reason == "FIRE_NOT_CLAIMED")
            let stored = try await fires.fires(scheduleID: schedule.id, in: f.scope, limit: 10)
            #expect(stored.map(\.outcome) == [.started(runID: run)])
            #expect(try await fires.dueSchedules(at: sites[0]).first?.since == fire)

            // Another site's scope sees none of it, and cannot write a fire for it.
            #expect(try await fires.fires(scheduleID: schedule.id, in: other.scope, limit: 10).isEmpty)
            await #expect(throws: PostgresError.self) {
                try await db.service.transaction { connection in
                    try await connection.setScope(other.scope)
                    try await connection.query(
                        """
                        INSERT INTO irrigation_schedule_fires (schedule_id, site_id, fire_at, outcome, instance, decided_at)
                        VALUES ($1::uuid, $2::uuid, now(), 'claimed', 'x', now())
                        """,
                        [SQLValue(schedule.id), SQLValue(f.site)]
                    )
                }
            }
            let audit = try await db.owner.query(
                "SELECT actor_user_id, site_id FROM audit_logs WHERE action = 'irrigation_schedule.fire'"
            )
            #expect(audit.count == 1)
            #expect(try audit[0].decode("actor_user_id", as: UUID?.self) == nil)
            #expect(try audit[0].decode("site_id", as: UUID.self) == f.site)

            // Skips are recorded once, whoever records them.
            let missed = [1.0, 2].map { fire.addingTimeInterval($0 * 86_400) }
            #expect(try await fires.recordSkipped(missed, of: program, instance: "a", now: missed[1]) == missed)
            #expect(try await fires.recordSkipped(missed, of: program, instance: "b", now: missed[1]).isEmpty)
            #expect(try await fires.fires(scheduleID: schedule.id, in: f.scope, limit: 10).count == 3)

            // A disabled owner is reported (the scheduler then records the fire failed instead of starting it).
            try await db.owner.query(
                "UPDATE users SET status = 'disabled' WHERE id = $1::uuid",
                [SQLValue(f.tenant.adminID)]
            )
            let disabled = try #require(try await fires.dueSchedules(at: sites[0]).first)
            #expect(!disabled.ownerActive && disabled.ownerScope == nil)
        }
    }
}
